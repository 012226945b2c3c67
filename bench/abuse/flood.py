"""Anonymous attackers: COUNT clients loop, as fast as they can, on POST /api/coverage/suggest
and /api/coverage/whatif (1,000 random candidates each), from the source address SOURCE, for
DURATION seconds. They never wait for Retry-After. Prints one JSON line: answers by status with
their latency, connection errors, and how many answers carried Retry-After.

    python3 bench/abuse/flood.py http://127.0.0.1:8080 --source 127.0.0.2 --count 4 --duration 10
"""
import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlsplit

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("url", help="the server, e.g. http://127.0.0.1:8080")
p.add_argument("--source", default="127.0.0.2", help="address(es) to send from, comma-separated: one per attacker in turn")
p.add_argument("--count", type=int, default=4, help="attacker clients")
p.add_argument("--duration", type=float, default=10, help="seconds")
p.add_argument("--candidates", type=int, default=1000)
p.add_argument("--threshold-m", type=float, default=5000)
p.add_argument("--category", default="metro_station")
args = p.parse_args()
target = urlsplit(args.url)
host, port = target.hostname, target.port or 80
sources = args.source.split(",")
shown = sources[0] if len(sources) == 1 else f"{sources[0]}–{sources[-1]} ({len(sources)})"

# A few bodies made up front, so the attackers spend their time sending, not generating.
rng = random.Random(1)


def body(path):
    points = [{"lon": round(rng.uniform(121.35, 121.55), 5), "lat": round(rng.uniform(31.15, 31.30), 5)}
              for _ in range(args.candidates)]
    doc = {"category": args.category, "threshold_m": args.threshold_m, "candidates": points}
    if path.endswith("suggest"):
        doc["k"] = 5
    data = json.dumps(doc).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: {target.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    return head + data


requests = [body(path) for _ in range(4) for path in ("/api/coverage/suggest", "/api/coverage/whatif")]
latencies = {}  # status code -> [ms]
stats = {"connects": 0, "errors": {}, "retry_after": 0, "unfinished": 0}


def error(kind):
    stats["errors"][kind] = stats["errors"].get(kind, 0) + 1


async def response(reader):
    """Reads one response; returns (status, headers). Content-Length, chunked, or to EOF."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
    elif status not in (204, 304):
        await reader.read()  # the body ends with the connection
        headers["connection"] = "close"
    return status, headers


async def attacker(i, deadline):
    n, writer = i, None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port, local_addr=(sources[i % len(sources)], 0))
                stats["connects"] += 1
            n += 1
            start = time.monotonic()
            writer.write(requests[n % len(requests)])
            status, headers = await response(reader)
            latencies.setdefault(status, []).append((time.monotonic() - start) * 1000)
            stats["retry_after"] += "retry-after" in headers
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as e:
            error(type(e).__name__)
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0)  # attackers do not back off


def summary(values):
    values = sorted(values)
    pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))], 2) if values else None
    return {"n": len(values), "p50_ms": pick(0.5), "p99_ms": pick(0.99)}


async def main():
    deadline = time.monotonic() + args.duration
    tasks = [asyncio.create_task(attacker(i, deadline)) for i in range(args.count)]
    # Requests still in flight at the deadline are abandoned and counted, not waited for.
    _, pending = await asyncio.wait(tasks, timeout=args.duration)
    for t in pending:
        t.cancel()
    stats["unfinished"] = len(pending)
    await asyncio.gather(*pending, return_exceptions=True)
    other = [ms for code, v in latencies.items() if code not in (200, 429, 503) for ms in v]
    by_status = {str(c): summary(latencies.get(c, [])) for c in (200, 429, 503)}
    by_status["other"] = summary(other)
    print(json.dumps({
        "attackers": args.count, "source": shown, "duration_s": args.duration,
        "requests": sum(len(v) for v in latencies.values()),
        "by_status": by_status,
        "codes": {str(c): len(v) for c, v in sorted(latencies.items())},
        **stats,
    }))


asyncio.run(main())
