"""Writes sites through the API at an even pace: creates, renames and deletes inside a box.

    python3 burst.py BASE --token T --count 200 --seconds 10 --bbox W S E N

Prints JSON: how many writes of each kind were answered 2xx, any other statuses, and the
writes' own latency (p50, p99, ms).
"""
import argparse
import json
import random
import time

from lantu_http import call


def square(rng, bbox, size=0.0005):
    w, s, e, n = bbox
    x, y = rng.uniform(w, e - size), rng.uniform(s, n - size)
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("--token", required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--bbox", type=float, nargs=4, required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    items = f"{a.base}/api/collections/sites/items"
    live = []  # (id, etag)
    counts, others, latencies = {"create": 0, "rename": 0, "delete": 0}, {}, []
    start = time.monotonic()
    for i in range(a.count):
        due = start + i * a.seconds / a.count
        time.sleep(max(0.0, due - time.monotonic()))
        kind = "create" if len(live) < 5 else rng.choice(["create", "create", "rename", "delete"])
        t0 = time.monotonic()
        if kind == "create":
            body = {"type": "Feature", "geometry": square(rng, a.bbox),
                    "properties": {"name": f"突发 {i}", "element_type": "pocket_garden", "status": "published"}}
            status, etag, raw = call("POST", items, a.token, body)
            if status == 201:
                live.append((json.loads(raw)["id"], etag))
        elif kind == "rename":
            j = rng.randrange(len(live))
            sid, etag = live[j]
            status, new_etag, _ = call("PATCH", f"{items}/{sid}", a.token,
                                          {"properties": {"name": f"改名 {i}"}}, etag)
            if status == 200:
                live[j] = (sid, new_etag)
        else:
            sid, etag = live.pop(rng.randrange(len(live)))
            status, _, _ = call("DELETE", f"{items}/{sid}", a.token, None, etag)
        latencies.append((time.monotonic() - t0) * 1000)
        if 200 <= status < 300:
            counts[kind] += 1
        else:
            others[str(status)] = others.get(str(status), 0) + 1
    latencies.sort()
    pct = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)
    w = counts
    cell = f"{sum(w.values())} ({w['create']} create, {w['rename']} rename, {w['delete']} delete); {sum(others.values())}"
    print(json.dumps({"written": counts, "refused": others, "seconds": round(time.monotonic() - start, 1),
                      "write_p50_ms": pct(0.5), "write_p99_ms": pct(0.99),
                      "cell": cell, "latency_cell": f"{pct(0.5)} / {pct(0.99)}"}))


if __name__ == "__main__":
    main()
