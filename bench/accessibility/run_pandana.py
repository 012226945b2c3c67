"""pandana on a benchmark network: build, precompute, count POIs within the radius of every node.

    python bench/accessibility/run_pandana.py DIR --radius 1000 --out RESULT.json [--counts counts.csv]

Timed separately (seconds, wall clock, perf_counter):
  build_s       pandana.Network(x, y, from, to, length_m, twoway=True): builds the
                contraction hierarchy (the expensive step; pandana says "Generating contraction
                hierarchies with 2 threads", and uses about 1.2 cores here) and a KD-tree.
  precompute_s  net.precompute(radius): the range query of every node, kept in memory
                (OpenMP, all cores; see "omp_threads" in the result). The range query is a
                plain Dijkstra on the uncontracted "range graph": the hierarchy is not used
                for aggregate at all (only for shortest paths and nearest_pois), but
                pandana.Network cannot be built without it.
  set_s         net.set(poi_node_ids): the POIs as a variable of ones at their nodes.
  aggregate_s   net.aggregate(radius, type="count", decay="flat"): for every node, the number
                of POIs (with repetition: two POIs at one node count 2) within radius.

Semantics, read from pandana's source (src/accessibility.cpp, src/graphalg.cpp, the CH's
RangeQuery), which the Rust side must match or account for:
- Units: whatever edge_weights are in (here metres); radius in the same unit. Internally each
  edge weight becomes integer thousandths (length * 1000 converted to unsigned: truncated), and
  path lengths are sums of those integers, so a path can come out up to 1 mm per edge shorter
  than the float sum (grid.py's lengths are multiples of 1/16 m, so nothing is lost there). An
  edge shorter than 1 mm becomes length 0. radius goes through a C float (f32) on the way.
- The range query keeps a node when its integer distance <= radius * 1000 (inclusive), and
  aggregate skips it only when distance > radius: a POI at exactly the radius IS counted.
- "count" counts the items set at each reached node, so it is the number of POIs, not of nodes.
- The source node itself is reached at distance 0: POIs on it count.
- twoway=True: each edges.csv row is one street walkable both ways (pandana marks the edge
  forward and backward; listing a street twice would only add a parallel edge).
- A node that reaches nothing would get -1; every node reaches itself, so this does not happen.
"""
import argparse
import contextlib
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pandana  # noqa: E402


@contextlib.contextmanager
def stdout_to_stderr():
    """pandana's C++ prints its progress on fd 1: send it to stderr so stdout is only the JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


def main():
    ap = argparse.ArgumentParser(description="pandana accessibility timing")
    ap.add_argument("dir")
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--out", help="result JSON")
    ap.add_argument("--counts", help="per-node POI counts CSV (node,count)")
    a = ap.parse_args()

    t = time.perf_counter()
    nodes = pd.read_csv(os.path.join(a.dir, "nodes.csv"), index_col="id")
    edges = pd.read_csv(os.path.join(a.dir, "edges.csv"))
    pois = pd.read_csv(os.path.join(a.dir, "pois.csv"))["node"]
    load_s = time.perf_counter() - t

    with stdout_to_stderr():
        t = time.perf_counter()
        net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"],
                              edges[["length_m"]], twoway=True)
        build_s = time.perf_counter() - t

        t = time.perf_counter()
        net.precompute(a.radius)
        precompute_s = time.perf_counter() - t

        t = time.perf_counter()
        net.set(pois, name="pois")
        set_s = time.perf_counter() - t

        t = time.perf_counter()
        counts = net.aggregate(a.radius, type="count", decay="flat", name="pois")
        aggregate_s = time.perf_counter() - t

    counts = counts.round().astype(np.int64)
    if a.counts:
        os.makedirs(os.path.dirname(os.path.abspath(a.counts)), exist_ok=True)
        counts.rename_axis("node").rename("count").to_csv(a.counts, header=True)

    result = {
        "tool": "pandana",
        "versions": {"pandana": pandana.__version__, "pandas": pd.__version__,
                     "numpy": np.__version__},
        "dir": os.path.abspath(a.dir),
        "nodes": int(len(nodes)),
        "edges": int(len(edges)),
        "pois": int(len(pois)),
        "radius_m": a.radius,
        "omp_threads": os.environ.get("OMP_NUM_THREADS") or os.cpu_count(),
        "load_s": load_s,
        "build_s": build_s,
        "precompute_s": precompute_s,
        "set_s": set_s,
        "aggregate_s": aggregate_s,
        "count_sum": int(counts.sum()),
        "nodes_with_poi": int((counts > 0).sum()),
        "count_max": int(counts.max()),
        "counts_csv": os.path.abspath(a.counts) if a.counts else None,
        "machine": common.machine(),
    }
    common.write_json(a.out, result)


if __name__ == "__main__":
    main()
