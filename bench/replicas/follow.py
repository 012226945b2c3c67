"""Two replicas: writes on PRIMARY, and how long until REPLICA shows each in its items, its
history and its tiles. Half-way (--cut-at), CUT (a shell command) cuts the replica's database
connections; at the end the replica's every site and history must equal the primary's.

    python3 follow.py PRIMARY REPLICA --token T --count 200 --cut-at 100 --cut "psql …" --bbox W S E N

Prints JSON: visibility latency p50/p99/max in ms over every write, writes made after the cut,
and whether the final states are equal.
"""
import argparse
import json
import math
import random
import subprocess
import time

from lantu_http import call


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def varint_ids(tile):
    """The feature ids in an MVT's `sites` layer (enough protobuf to find them)."""
    def varint(b, i):
        v = s = 0
        while True:
            c = b[i]; i += 1; v |= (c & 0x7F) << s; s += 7
            if c < 0x80:
                return v, i

    def fields(b):
        i = 0
        while i < len(b):
            key, i = varint(b, i)
            wire, num = key & 7, key >> 3
            if wire == 0:
                v, i = varint(b, i); yield num, v
            elif wire == 2:
                n, i = varint(b, i); yield num, b[i:i + n]; i += n
            elif wire == 5:
                yield num, b[i:i + 4]; i += 4
            elif wire == 1:
                yield num, b[i:i + 8]; i += 8
    ids = set()
    for num, layer in fields(tile):
        if num != 3:
            continue
        parts = list(fields(layer))
        if not any(n == 1 and v == b"sites" for n, v in parts):
            continue
        for n, feature in parts:
            if n == 2:
                ids.update(v for fn, v in fields(feature) if fn == 1)
    return ids


def shows(replica, token, sid, version, deleted, lon, lat):
    """Whether the replica's item, history and z16 tile all reflect `version` of site `sid`."""
    status, etag, _ = call("GET", f"{replica}/api/collections/sites/items/{sid}", token)
    if deleted:
        if status != 404:
            return False
    elif status != 200 or etag != f'"v{version}"':
        return False
    status, _, raw = call("GET", f"{replica}/api/collections/sites/items/{sid}/history", token)
    if status != 200 or len(json.loads(raw)["features"]) != version:
        return False
    z, x, y = tile_of(lon, lat, 16)
    status, _, raw = call("GET", f"{replica}/tiles/blueprint/{z}/{x}/{y}.mvt", token)
    present = status == 200 and sid in varint_ids(raw)
    return present != deleted


def state(base, token):
    _, _, raw = call("GET", f"{base}/api/collections/sites/items?limit=10000", token)
    sites = sorted(json.loads(raw)["features"], key=lambda f: f["id"])
    histories = {}
    for f in sites:
        _, _, h = call("GET", f"{base}/api/collections/sites/items/{f['id']}/history", token)
        histories[f["id"]] = json.loads(h)["features"]
    return sites, histories


def main():
    p = argparse.ArgumentParser()
    p.add_argument("primary")
    p.add_argument("replica")
    p.add_argument("--token", required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--cut-at", type=int, default=100)
    p.add_argument("--cut", required=True)
    p.add_argument("--bbox", type=float, nargs=4, required=True)
    a = p.parse_args()
    rng = random.Random(7)
    items = f"{a.primary}/api/collections/sites/items"
    live, latencies, after_cut, cut_output = [], [], [], ""
    for i in range(a.count):
        if i == a.cut_at:
            cut_output = subprocess.run(a.cut, shell=True, capture_output=True, text=True).stdout.strip()
        kind = "create" if len(live) < 5 else rng.choice(["create", "rename", "rename", "delete"])
        if kind == "create":
            w, s, e, n = a.bbox
            lon, lat = rng.uniform(w, e), rng.uniform(s, n)
            body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"name": f"同步 {i}", "element_type": "other", "status": "draft"}}
            status, etag, raw = call("POST", items, a.token, body)
            sid, version, deleted = json.loads(raw)["id"], 1, False
            live.append([sid, etag, lon, lat, 1])
        elif kind == "rename":
            entry = rng.choice(live)
            status, etag, _ = call("PATCH", f"{items}/{entry[0]}", a.token,
                                   {"properties": {"name": f"改 {i}"}}, entry[1])
            entry[1], entry[4] = etag, entry[4] + 1
            sid, lon, lat, version, deleted = entry[0], entry[2], entry[3], entry[4], False
        else:
            entry = live.pop(rng.randrange(len(live)))
            status, _, _ = call("DELETE", f"{items}/{entry[0]}", a.token, None, entry[1])
            sid, lon, lat, version, deleted = entry[0], entry[2], entry[3], entry[4] + 1, True
        assert 200 <= status < 300, (kind, status)
        written = time.monotonic()
        while not shows(a.replica, a.token, sid, version, deleted, lon, lat):
            if time.monotonic() - written > 60:
                raise SystemExit(f"write {i} ({kind} site {sid}) never showed on the replica")
            time.sleep(0.002)
        ms = (time.monotonic() - written) * 1000
        latencies.append(ms)
        if i >= a.cut_at:
            after_cut.append(ms)
    ordered = sorted(latencies)
    pct = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)
    deadline = time.monotonic() + 30
    while True:
        equal = state(a.primary, a.token) == state(a.replica, a.token)
        if equal or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print(json.dumps({
        "writes": len(latencies), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": round(ordered[-1], 1),
        "first_after_cut_ms": round(after_cut[0], 1) if after_cut else None,
        "connections_cut": cut_output.count("t"), "final_state_equal": equal,
        "live_sites": len(live)}))


if __name__ == "__main__":
    main()
