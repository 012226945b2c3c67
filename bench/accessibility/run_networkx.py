"""networkx on a benchmark network: single-source Dijkstra with a cutoff from each source.

    python bench/accessibility/run_networkx.py DIR --radius 1000 --out RESULT.json
                                               [--per-source per_source.csv]

Timed (seconds, wall clock, perf_counter):
  build_s   nx.Graph() + add_weighted_edges_from(edges.csv, weight="length"): undirected, an
            edges.csv row is walkable both ways. (Reading the CSVs is load_s, not in build_s.)
  per source: nx.single_source_dijkstra_path_length(G, s, cutoff=radius, weight="length"),
            one call each, in sources.csv order; ms_per_source_mean/median over them.

networkx keeps a node when its distance <= cutoff (inclusive, like pandana and pgRouting), and
the source itself (distance 0) is in the result. reached_sum is the sum over sources of the
number of nodes reached, source included: it must equal pgRouting's on the same sources.

After the timing, and outside it, the POIs within the radius of each source are counted from
the same results (pois_sum; per source in --per-source): these are the very numbers pandana's
aggregate(type="count") gives at those nodes, so they cross-check pandana's counts.csv.
"""
import argparse
import collections
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import networkx as nx  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description="networkx accessibility timing")
    ap.add_argument("dir")
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--out", help="result JSON")
    ap.add_argument("--per-source", help="CSV node,reached,pois for each source, in order")
    a = ap.parse_args()

    t = time.perf_counter()
    n_nodes = common.count_nodes(os.path.join(a.dir, "nodes.csv"))
    src, dst, length = common.read_edges(os.path.join(a.dir, "edges.csv"))
    pois = collections.Counter(common.read_ids(os.path.join(a.dir, "pois.csv")))
    sources = common.read_ids(os.path.join(a.dir, "sources.csv"))
    load_s = time.perf_counter() - t

    t = time.perf_counter()
    G = nx.Graph()
    G.add_nodes_from(range(n_nodes))
    G.add_weighted_edges_from(zip(src, dst, length), weight="length")
    build_s = time.perf_counter() - t
    del src, dst, length

    times, reached, poi_counts = [], [], []
    for s in sources:
        t = time.perf_counter()
        d = nx.single_source_dijkstra_path_length(G, s, cutoff=a.radius, weight="length")
        times.append(time.perf_counter() - t)
        reached.append(len(d))
        poi_counts.append(sum(pois[v] for v in d if v in pois))

    if a.per_source:
        os.makedirs(os.path.dirname(os.path.abspath(a.per_source)), exist_ok=True)
        with open(a.per_source, "w") as f:
            f.write("node,reached,pois\n")
            f.writelines(f"{s},{r},{p}\n" for s, r, p in zip(sources, reached, poi_counts))

    result = {
        "tool": "networkx",
        "versions": {"networkx": nx.__version__},
        "dir": os.path.abspath(a.dir),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "sources": len(sources),
        "radius_m": a.radius,
        "load_s": load_s,
        "build_s": build_s,
        "total_s": sum(times),
        **common.ms_stats(times),
        "reached_sum": sum(reached),
        "reached_median": statistics.median(reached) if reached else None,
        "pois_sum": sum(poi_counts),
        "per_source_csv": os.path.abspath(a.per_source) if a.per_source else None,
        "machine": common.machine(),
    }
    common.write_json(a.out, result)


if __name__ == "__main__":
    main()
