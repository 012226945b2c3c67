"""Draws COUNT draft sites (50 m squares) around a sub-district's centre through the API.

    python3 drafts.py BASE --token T --unit CODE --count 60

Prints how many were created (201) and any other statuses, as JSON.
"""
import argparse
import json
import os
import random
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "replicas"))
from lantu_http import call  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("--token", required=True)
    p.add_argument("--unit", required=True)
    p.add_argument("--count", type=int, default=60)
    a = p.parse_args()
    with urllib.request.urlopen(f"{a.base}/api/collections/units/items/{a.unit}") as r:
        unit = json.load(r)
    rings = unit["geometry"]["coordinates"]
    ring = rings[0][0] if unit["geometry"]["type"] == "MultiPolygon" else rings[0]
    cx = sum(x for x, _ in ring) / len(ring)
    cy = sum(y for _, y in ring) / len(ring)
    rng = random.Random(1)
    created, others = 0, {}
    for i in range(a.count):
        x, y = cx + rng.uniform(-0.003, 0.003), cy + rng.uniform(-0.003, 0.003)
        h = 0.00025
        square = [[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h], [x - h, y - h]]
        body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
                "properties": {"name": f"草案 {i}", "element_type": "pocket_garden", "status": "draft"}}
        status, _, _ = call("POST", f"{a.base}/api/collections/sites/items", a.token, body)
        if status == 201:
            created += 1
        else:
            others[str(status)] = others.get(str(status), 0) + 1
    print(json.dumps({"created": created, "others": others}))


if __name__ == "__main__":
    main()
