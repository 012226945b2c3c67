"""The client side of bench/filters.sh: the same CQL2 text to lantu and to tipg.

    measure.py check QUERIES.json LANTU_ITEMS TIPG_ITEMS TOKEN      # numberMatched and ids
    measure.py latency URL [--header H] [-n 200] [--warmup 20]      # sequential, keep-alive

check fetches every query from both with limit=10000 (both servers' largest page) and prints
one JSON line per query: numberMatched on each, and whether the ids are the same set (when all
matches fit in one page; otherwise only the counts and the first page's size are compared).
latency sends the same request n times on one kept-alive connection after a warm-up and prints
a JSON object: p50, p90, p99, mean ms, bytes per response, numberMatched, numberReturned.
"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse

ACCEPT = "application/geo+json"


def connect(url):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    path = u.path + ("?" + u.query if u.query else "")
    return conn, path


def get(conn, path, headers):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {path}: {r.status} {body[:500]!r}")
    return body


def items_url(base, cql, limit):
    return base + "?" + urllib.parse.urlencode(
        {"filter": cql, "filter-lang": "cql2-text", "limit": str(limit)})


def fetch(url, headers):
    conn, path = connect(url)
    try:
        return json.loads(get(conn, path, headers))
    finally:
        conn.close()


def check(args):
    queries = json.load(open(args.queries))
    lantu_h = {"Accept": ACCEPT, "Authorization": f"Bearer {args.token}"}
    tipg_h = {"Accept": ACCEPT}
    ok = True
    for q in queries:
        try:
            a = fetch(items_url(args.lantu, q["cql"], 10000), lantu_h)
            b = fetch(items_url(args.tipg, q["cql"], 10000), tipg_h)
        except SystemExit as e:  # a refusal: not the same answer
            ok = False
            print(json.dumps({"query": q["id"], "lantu_matched": None, "tipg_matched": None,
                              "ids_compared": False, "same": False, "error": str(e)}), flush=True)
            continue
        ma, mb = a.get("numberMatched"), b.get("numberMatched")
        ia = {str(f["id"]) for f in a["features"]}
        ib = {str(f["id"]) for f in b["features"]}
        complete = ma is not None and len(ia) == ma and mb is not None and len(ib) == mb
        same = ma == mb and (ia == ib if complete else len(ia) == len(ib))
        ok &= same
        print(json.dumps({"query": q["id"], "lantu_matched": ma, "tipg_matched": mb,
                          "ids_compared": complete, "same": same}), flush=True)
    return 0 if ok else 1


def latency(args):
    conn, path = connect(args.url)
    headers = {"Accept": ACCEPT}
    for h in args.header:
        k, v = h.split(":", 1)
        headers[k.strip()] = v.strip()
    body = b""
    for _ in range(args.warmup):
        body = get(conn, path, headers)
    times = []
    for _ in range(args.n):
        t = time.perf_counter()
        body = get(conn, path, headers)
        times.append((time.perf_counter() - t) * 1000)
    conn.close()
    times.sort()
    doc = json.loads(body)

    def pct(p):
        return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]

    print(json.dumps({"p50": round(pct(50), 2), "p90": round(pct(90), 2), "p99": round(pct(99), 2),
                      "mean": round(statistics.fmean(times), 2), "bytes": len(body),
                      "matched": doc.get("numberMatched"), "returned": doc.get("numberReturned",
                                                                            len(doc["features"]))}))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("queries")
    c.add_argument("lantu")
    c.add_argument("tipg")
    c.add_argument("token")
    lat = sub.add_parser("latency")
    lat.add_argument("url")
    lat.add_argument("--header", action="append", default=[])
    lat.add_argument("-n", type=int, default=200)
    lat.add_argument("--warmup", type=int, default=20)
    args = p.parse_args()
    sys.exit(check(args) if args.cmd == "check" else latency(args))


if __name__ == "__main__":
    main()
