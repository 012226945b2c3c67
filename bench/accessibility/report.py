"""One network's results from bench/accessibility.sh as a Markdown section (standard library only).

    python3 bench/accessibility/report.py NETWORK RESULTS_DIR "AGREEMENT TEXT"
    python3 bench/accessibility/report.py city CITY.json ""
"""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def ms(v):
    return "—" if v is None else (f"{v:.3f} ms" if v < 1 else f"{v:,.1f} ms" if v < 1000 else f"{v / 1000:,.2f} s")


def city(path):
    c = load(path)
    print("## lantu alone: full coverage over a 1,000 × 1,000 grid\n")
    print(f"{c['nodes']:,} nodes (100 m blocks), {c['homes']:,} homes, {c['facilities']:,} facilities at "
          f"pseudo-random nodes, threshold {c['threshold_m']} m (searched to twice that, for the bands).\n")
    print("| measure | lantu | target |")
    print("|---|---|---|")
    print(f"| full coverage of one category (best of 3) | {ms(c['coverage_ms_best_of_3'])} "
          f"({c['homes_covered']:,} homes covered) | < 1 s |")
    print(f"| peak memory of the whole process | {c['peak_rss_mb']:,.0f} MB | < 1 GB |")
    print(f"| building the grid, snapping homes and facilities | {c['setup_s']:.1f} s | |")
    print()


def network(name, out, agreement):
    pandana = load(os.path.join(out, "pandana.json"))
    nx = load(os.path.join(out, "networkx.json"))
    pgr = load(os.path.join(out, "pgrouting.json"))
    lantu = load(os.path.join(out, "lantu.json"))
    lantu_pg = load(os.path.join(out, "lantu_pg.json"))
    title = {"shanghai": "central Shanghai (lantu's walking network from streets_center.osm)",
             "grid447": "synthetic 447 × 447 grid"}.get(name, name)
    radius = lantu["radius_m"]
    print(f"## {title}\n")
    print(f"{lantu['nodes']:,} nodes, {lantu['pois']:,} POIs, {lantu['sources']} sources, radius {radius:.0f} m.\n")
    print(f"| measure | lantu | pandana | networkx | pgRouting |")
    print("|---|---|---|---|---|")
    p_build = pandana and pandana["build_s"] * 1000
    p_count = pandana and (pandana["precompute_s"] + pandana["set_s"] + pandana["aggregate_s"]) * 1000
    print(f"| load / build the network | {ms(lantu['load_from_store_ms'])} from SQLite, "
          f"{ms(lantu_pg['load_from_store_ms']) if lantu_pg else '—'} from PostGIS | {ms(p_build)} (`Network`) | "
          f"{ms(nx['build_s'] * 1000)} | {ms(pgr['load_s'] * 1000)} (COPY + index) |")
    print(f"| POIs within {radius:.0f} m of every node | **{ms(lantu['count_all_nodes_ms'])}** | "
          f"{ms(p_count)} (precompute + aggregate) | — | — |")
    print(f"| the same, with loading the network | **{ms(lantu['count_all_nodes_with_load_ms'])}** | "
          f"{ms(p_build and p_build + p_count)} | — | — |")
    print(f"| one source within {radius:.0f} m (reachable set) | **{ms(lantu['single_source_ms'])}** | — | "
          f"{ms(nx['ms_per_source_mean'])} | {ms(pgr['ms_per_source_mean'])} (server loop) |")
    print(f"| one isochrone polygon ({radius:.0f} m, with its population) | {ms(lantu['isochrone_ms'])} | — | — | — |")
    print(f"| what-if for one candidate | {ms(lantu['whatif_ms'])} | — | — | — |")
    print(f"| full coverage, homes at every node | {ms(lantu['coverage_ms'])} | — | — | — |")
    print()
    print(f"Nodes reached summed over the sources: lantu {lantu['reached_sum']:,}, networkx {nx['reached_sum']:,}, "
          f"pgRouting {pgr['reached_sum']:,}. Peak memory of lantu's process: {lantu['peak_rss_mb']:.0f} MB.\n")
    if agreement.strip():
        print("```")
        print(agreement.strip())
        print("```")
        print()


if __name__ == "__main__":
    kind, path, agreement = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
    if kind == "city":
        city(path)
    else:
        network(kind, path, agreement)
