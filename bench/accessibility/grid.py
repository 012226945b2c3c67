"""Writes a synthetic square street grid in the accessibility benchmark's input format.

    python3 bench/accessibility/grid.py DIR [--side 447] [--spacing 100] [--pois 2000]
                                            [--sources 200] [--seed 1] [--jitter 4]

447 x 447 = 199,809 nodes, 2 * 447 * 446 = 398,724 edges (about the issue's 200,000-node grid).
Only the standard library is used.

The exact construction (the Rust side rebuilds the same grid from this description):

- n = side * side nodes. Node id = row * side + col, for row, col in 0..side.
- Coordinates (f64, WGS84 degrees), with K = 111320 * cos(31.23 deg) computed as
  `111320.0 * math.cos(math.radians(31.23))` (radians(d) = d * (pi / 180)):
      x = 121.45 + (col * spacing) / K
      y = 31.23  + (row * spacing) / 110574.0
  The multiplication col * spacing is done first, then the division, then the addition.
  Written with Python's repr(float), which round-trips the f64 exactly.
- Edges, each undirected street listed once, in this order: for row in 0..side, for col in
  0..side: first (id, id + 1) if col + 1 < side, then (id, id + side) if row + 1 < side.
  length_m = spacing + j / 16, not recomputed from the degrees, where j is drawn per edge
  (see below) from 0 .. jitter*16 - 1, so lengths run from spacing to spacing + jitter - 1/16 in
  steps of 1/16 m (default 100.0 .. 103.9375). Multiples of 1/16 are exact in binary, so sums
  along paths are exact in f64 (and f32) and pandana's conversion to integer millimetres loses
  nothing: every tool sees the same distances, ties at exactly the radius included.
  --jitter 0 gives length_m = spacing for every edge, but DO NOT use that for pandana: with
  all lengths equal the grid is full of equal-length paths and pandana's contraction
  hierarchy build degenerates (measured: 3,600 nodes 146 s, 1,600 nodes 7 s, against 0.2-0.6 s
  jittered; 200k nodes would not finish). Real street networks have no such ties.
- rng = random.Random(seed) (Python's Mersenne Twister; random.Random(1) seeds with the int 1).
  POIs: [rng.randrange(n) for _ in range(pois)] (duplicates allowed, kept, in that order).
  Sources: then, with the same rng continuing, [rng.randrange(n) for _ in range(sources)].
  Jitter: then, with the same rng continuing, j = rng.randrange(jitter * 16) for each edge in
  the edge order above (no draws when jitter is 0).
  randrange(n) is rng._randbelow(n): k = n.bit_length(); r = getrandbits(k) until r < n.

Files written into DIR (created if missing):
  nodes.csv   id,x,y
  edges.csv   from,to,length_m
  pois.csv    node
  sources.csv node
"""
import argparse
import math
import os
import random
import sys


def build(side, spacing, pois, sources, seed, jitter=4.0):
    n = side * side
    k = 111320.0 * math.cos(math.radians(31.23))
    nodes = []
    for row in range(side):
        y = 31.23 + (row * spacing) / 110574.0
        for col in range(side):
            nodes.append((row * side + col, 121.45 + (col * spacing) / k, y))
    pairs = []
    for row in range(side):
        for col in range(side):
            i = row * side + col
            if col + 1 < side:
                pairs.append((i, i + 1))
            if row + 1 < side:
                pairs.append((i, i + side))
    rng = random.Random(seed)
    poi_nodes = [rng.randrange(n) for _ in range(pois)]
    source_nodes = [rng.randrange(n) for _ in range(sources)]
    steps = round(jitter * 16)
    if steps < 0 or steps != jitter * 16:
        raise ValueError("--jitter must be a non-negative multiple of 1/16 m")
    spacing = float(spacing)
    if steps:
        edges = [(u, v, spacing + rng.randrange(steps) / 16) for u, v in pairs]
    else:
        edges = [(u, v, spacing) for u, v in pairs]
    return nodes, edges, poi_nodes, source_nodes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--side", type=int, default=447)
    ap.add_argument("--spacing", type=float, default=100.0, help="metres between neighbours")
    ap.add_argument("--pois", type=int, default=2000)
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jitter", type=float, default=4.0,
                    help="metres added to edges, 0 .. jitter-1/16 in 1/16 m steps (0: none)")
    a = ap.parse_args()
    if a.side < 2:
        sys.exit("--side must be at least 2")
    try:
        nodes, edges, pois, sources = build(a.side, a.spacing, a.pois, a.sources, a.seed,
                                            a.jitter)
    except ValueError as e:
        sys.exit(str(e))
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "nodes.csv"), "w") as f:
        f.write("id,x,y\n")
        f.writelines(f"{i},{x!r},{y!r}\n" for i, x, y in nodes)
    with open(os.path.join(a.dir, "edges.csv"), "w") as f:
        f.write("from,to,length_m\n")
        f.writelines(f"{u},{v},{w!r}\n" for u, v, w in edges)
    for name, ids in (("pois.csv", pois), ("sources.csv", sources)):
        with open(os.path.join(a.dir, name), "w") as f:
            f.write("node\n")
            f.writelines(f"{i}\n" for i in ids)
    print(f"{a.dir}: {len(nodes)} nodes, {len(edges)} edges, {len(pois)} POIs, "
          f"{len(sources)} sources (side {a.side}, spacing {a.spacing:g} m, "
          f"jitter {a.jitter:g} m, seed {a.seed})")


if __name__ == "__main__":
    main()
