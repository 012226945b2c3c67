"""Decodes the same tiles from lantu and Martin and checks they hold the same sites.

Usage: compare_tiles.py LANTU_BASE MARTIN_BASE TILE_LIST [SAMPLE]
Prints one line per tile compared. The two may differ only by features sitting on the edge
of the buffered tile (within 1.5 units of it), where a point exactly half a grid unit from the
edge is kept by one rounding rule and not the other; anything else exits non-zero.
"""
import random
import sys
import urllib.request

import mapbox_vector_tile

lantu, martin, tile_list = sys.argv[1:4]
sample = int(sys.argv[4]) if len(sys.argv) > 4 else 25
tiles = [line.strip() for line in open(tile_list) if line.strip()]
random.seed(7)
chosen = random.sample(tiles, min(sample, len(tiles)))


EDGES = (-64, 4160)


def sites(url):
    """Site id -> its coordinates in tile units."""
    with urllib.request.urlopen(url) as response:
        data = response.read()
    if not data:
        return {}
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    return {f["id"]: f["geometry"]["coordinates"] for f in layers.get("sites", {}).get("features", [])}


def points(coords):
    if isinstance(coords[0], (int, float)):
        yield coords
    else:
        for c in coords:
            yield from points(c)


def on_edge(coords):
    return any(abs(v - e) <= 1.5 for p in points(coords) for v in p[:2] for e in EDGES)


bad = 0
for t in chosen:
    ours = sites(f"{lantu}/tiles/blueprint/{t}.mvt")
    theirs = sites(f"{martin}/units,sites/{t}")
    only_ours, only_theirs = ours.keys() - theirs.keys(), theirs.keys() - ours.keys()
    off_edge = [i for i in only_ours if not on_edge(ours[i])] + [i for i in only_theirs if not on_edge(theirs[i])]
    bad += bool(off_edge)
    note = ""
    if only_ours or only_theirs:
        note = f"  ({len(only_ours)} only in lantu, {len(only_theirs)} only in martin, all on the buffer edge)"
    if off_edge:
        note = f"  DIFFERENT away from the edge: {sorted(off_edge)[:10]}"
    print(f"  {t}: lantu {len(ours)} sites, martin {len(theirs)} sites{note}")
sys.exit(1 if bad else 0)
