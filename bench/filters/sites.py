"""Writes N seeded random sites over the demo district as a GeoJSON FeatureCollection.

    python3 bench/filters/sites.py 20000 > sites.geojson

Half points, a quarter short lines (2–4 vertices, 20–150 m), a quarter small polygons (convex
hexagons 20–80 m across), all inside 121.38–121.45°E, 31.22–31.28°N; element types uniform over
the ten, ~70 % published, names from a small vocabulary plus a number (one in twenty starts with
花园), a description on one in three. Same seed, same file.
"""
import json
import math
import random
import sys

TYPES = ["vibrant_alley", "street_corner", "slow_traffic", "pocket_garden", "art_space",
         "tree_lined_street", "wall_opening", "public_facility", "sports_ground", "other"]
WORDS = ["花园", "口袋公园", "街角", "林荫道", "小广场", "弄堂", "艺术空间", "运动场", "绿地", "驿站"]
PLACES = ["长寿", "曹杨", "甘泉", "石泉", "宜川", "真如", "长风", "万里"]
WEST, SOUTH, EAST, NORTH = 121.38, 31.22, 121.45, 31.28
M_LAT = 1 / 111_320.0
M_LON = 1 / (111_320.0 * math.cos(math.radians(31.25)))


def r6(v):
    return round(v, 6)


def geometry(rng):
    kind = rng.random()
    # keep 200 m from the edge so lines and polygons stay inside the box
    x = rng.uniform(WEST + 200 * M_LON, EAST - 200 * M_LON)
    y = rng.uniform(SOUTH + 200 * M_LAT, NORTH - 200 * M_LAT)
    if kind < 0.5:
        return {"type": "Point", "coordinates": [r6(x), r6(y)]}
    if kind < 0.75:
        coords = [[r6(x), r6(y)]]
        heading = rng.uniform(0, 2 * math.pi)
        for _ in range(rng.randint(1, 3)):
            step = rng.uniform(20, 150) / rng.randint(1, 3)
            heading += rng.uniform(-0.6, 0.6)
            x += step * math.cos(heading) * M_LON
            y += step * math.sin(heading) * M_LAT
            coords.append([r6(x), r6(y)])
        return {"type": "LineString", "coordinates": coords}
    radius = rng.uniform(10, 40)
    start = rng.uniform(0, math.pi / 3)
    ring = []
    for i in range(6):
        a = start + i * math.pi / 3 + rng.uniform(-0.2, 0.2)
        rr = radius * rng.uniform(0.8, 1.0)
        ring.append([r6(x + rr * math.cos(a) * M_LON), r6(y + rr * math.sin(a) * M_LAT)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rng = random.Random(20261201)
    features = []
    for i in range(n):
        props = {
            "name": f"{rng.choice(WORDS)}{i + 1}" if rng.random() < 0.5
                    else f"{rng.choice(PLACES)}{rng.choice(WORDS)}{i + 1}",
            "element_type": rng.choice(TYPES),
            "status": "published" if rng.random() < 0.7 else "draft",
        }
        if rng.random() < 1 / 3:
            props["description"] = f"{rng.choice(PLACES)}街道的{rng.choice(WORDS)}改造，第{rng.randint(1, 9)}期"
        features.append({"type": "Feature", "properties": props, "geometry": geometry(rng)})
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
