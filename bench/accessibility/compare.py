"""Cross-checks the runners' answers on one network; exits 1 on any disagreement.

    python3 bench/accessibility/compare.py [--pandana-counts counts.csv]
        [--networkx per_source.csv] [--pgrouting per_source.csv] [--other NAME=FILE ...]

- networkx vs pgRouting: the nodes reached from each source (source included), source by
  source, in sources.csv order.
- networkx vs pandana: networkx's POIs within the radius of each source against pandana's
  count at that node (pandana counts POIs for every node; networkx only for the sources).
- --other NAME=FILE: any further CSV with header node,count (POIs within the radius, for every
  node or for some) is checked node for node against pandana's counts, e.g. lantu's.
Only the standard library is used.
"""
import argparse
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pandana-counts")
    ap.add_argument("--networkx")
    ap.add_argument("--pgrouting")
    ap.add_argument("--other", action="append", default=[], metavar="NAME=FILE")
    a = ap.parse_args()
    failed = False

    def report(what, n, bad):
        nonlocal failed
        if bad:
            failed = True
            print(f"DIFFER  {what}: {len(bad)} of {n}; first: {bad[:5]}")
        else:
            print(f"agree   {what}: {n} of {n}")

    nx = rows(a.networkx) if a.networkx else None
    pandana = ({int(r["node"]): int(r["count"]) for r in rows(a.pandana_counts)}
               if a.pandana_counts else None)
    if nx is not None and a.pgrouting:
        pg = rows(a.pgrouting)
        if [r["node"] for r in pg] != [r["node"] for r in nx[:len(pg)]]:
            sys.exit("networkx and pgRouting per-source files list different sources")
        bad = [(r["node"], r["reached"], p["reached"]) for r, p in zip(nx, pg)
               if r["reached"] != p["reached"]]
        report("nodes reached per source, networkx vs pgRouting (node, nx, pgr)", len(pg), bad)
    if nx is not None and pandana is not None:
        bad = [(r["node"], r["pois"], pandana.get(int(r["node"]))) for r in nx
               if int(r["pois"]) != pandana.get(int(r["node"]))]
        report("POIs within radius per source, networkx vs pandana (node, nx, pandana)",
               len(nx), bad)
    for spec in a.other:
        name, _, path = spec.partition("=")
        if pandana is None:
            sys.exit("--other needs --pandana-counts")
        other = rows(path)
        bad = [(r["node"], r["count"], pandana.get(int(r["node"]))) for r in other
               if int(r["count"]) != pandana.get(int(r["node"]))]
        report(f"POIs within radius per node, {name} vs pandana (node, {name}, pandana)",
               len(other), bad)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
