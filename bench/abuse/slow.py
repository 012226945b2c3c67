"""Slow connections: opens COUNT TCP connections from SOURCE (one address or several) and holds them for DURATION seconds
once all are open. Most send a request header one byte every INTERVAL seconds, never finishing
it (slowloris); --body of them send a whole header with Content-Length: 1000000, then one body
byte every INTERVAL; --idle of them send nothing. Prints one JSON line of counts: how many were
opened or could not be (by error), how many were still open at the start and at the end of the
hold, how many the server closed (and what it answered first, if anything).

    python3 bench/abuse/slow.py http://127.0.0.1:8080 --source 127.0.0.2 --count 10000 --duration 10
"""
import argparse
import asyncio
import errno
import itertools
import json
import random
import resource
import socket
import struct
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("url", help="the server, e.g. http://127.0.0.1:8080")
p.add_argument("--source", default="127.0.0.2", help="address(es) to connect from, comma-separated: taken in turn")
p.add_argument("--count", type=int, default=10000, help="connections in all")
p.add_argument("--duration", type=float, default=10, help="seconds to hold them once all are open")
p.add_argument("--body", type=int, help="how many send a slow body (default: a tenth)")
p.add_argument("--idle", type=int, help="how many send nothing (default: a tenth)")
p.add_argument("--interval", type=float, default=5, help="seconds between bytes")
p.add_argument("--ready-file", type=Path, help="touched once all are open (for the caller)")
args = p.parse_args()
target = urlsplit(args.url)
host, port = target.hostname, target.port or 80
sources = args.source.split(",")
shown = sources[0] if len(sources) == 1 else f"{sources[0]}–{sources[-1]} ({len(sources)})"
n_body = args.count // 10 if args.body is None else args.body
n_idle = args.count // 10 if args.idle is None else args.idle

# One descriptor per connection, plus a margin: raise the soft limit as far as the hard one allows.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = args.count + 100 if hard == resource.RLIM_INFINITY else min(hard, args.count + 100)
if soft != resource.RLIM_INFINITY and soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
if want < args.count + 100:
    print(f"slow: only {want} file descriptors allowed (ulimit -Hn); some connections will fail", file=sys.stderr)

HEADER = f"GET /tiles/blueprint/14/13717/6693.mvt HTTP/1.1\r\nHost: {target.netloc}\r\n".encode()
BODY_HEADER = (f"POST /api/coverage/whatif HTTP/1.1\r\nHost: {target.netloc}\r\n"
               "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n").encode()


class Slow(asyncio.Protocol):
    """One connection. The trickle loop below writes its bytes; this only notices the server."""

    def __init__(self, mode):
        self.mode, self.sent, self.open, self.status = mode, 0, False, None
        self.transport, self.closed_at = None, None

    def connection_made(self, transport):
        self.transport, self.open = transport, True
        if self.mode == "body":
            transport.write(BODY_HEADER)

    def next_byte(self):
        if self.mode == "header":  # the request line, then an endless header line
            b = HEADER[self.sent:self.sent + 1] or b"x"
        else:
            b = b" "
        self.sent += 1
        return b

    def data_received(self, data):  # the server answered (408, 400, 413 …) before closing
        if self.status is None and data.startswith(b"HTTP/"):
            self.status = data.split(b" ", 2)[1].decode("latin-1")

    def connection_lost(self, exc):
        self.open = False
        self.closed_at = time.monotonic()


conns, failed, lock = [], {}, asyncio.Semaphore(256)  # a bounded number of connects in flight
slots = [[] for _ in range(max(1, round(args.interval * 10)))]  # who sends in each tenth of a second


async def open_one(mode, source):
    async with lock:
        try:
            _, proto = await asyncio.wait_for(
                asyncio.get_running_loop().create_connection(
                    lambda: Slow(mode), host, port, local_addr=(source, 0)), timeout=10)
            conns.append(proto)
            if mode != "idle":
                slots[random.randrange(len(slots))].append(proto)
        except (OSError, asyncio.TimeoutError) as e:
            kind = "timeout" if isinstance(e, asyncio.TimeoutError) else errno.errorcode.get(e.errno, str(e.errno))
            failed[kind] = failed.get(kind, 0) + 1


async def trickle():
    """Every connection gets one byte per interval, at its own random phase."""
    for tick in itertools.count():
        await asyncio.sleep(args.interval / len(slots))
        for c in slots[tick % len(slots)]:
            if c.open:
                c.transport.write(c.next_byte())


def count_open(mode=None):
    return sum(c.open for c in conns if mode in (None, c.mode))


async def main():
    modes = ["body"] * n_body + ["idle"] * n_idle + ["header"] * (args.count - n_body - n_idle)
    random.Random(1).shuffle(modes)
    t0 = time.monotonic()
    sender = asyncio.create_task(trickle())  # from the first connection on
    await asyncio.gather(*(open_one(m, sources[i % len(sources)]) for i, m in enumerate(modes)))
    ramp_s = time.monotonic() - t0
    hold_start = time.monotonic()
    at_start = {m: count_open(m) for m in ("header", "body", "idle")}
    if args.ready_file:
        args.ready_file.touch()
    print(f"slow: {len(conns)} opened in {ramp_s:.1f} s, {sum(at_start.values())} open; holding {args.duration:g} s",
          file=sys.stderr)
    await asyncio.sleep(args.duration)
    sender.cancel()
    at_end = {m: count_open(m) for m in ("header", "body", "idle")}
    answered = {}
    for c in conns:
        if c.status:
            answered[c.status] = answered.get(c.status, 0) + 1
    print(json.dumps({
        "source": shown, "count": args.count, "ramp_s": round(ramp_s, 1), "hold_s": args.duration,
        "opened": len(conns), "open_failed": failed,
        "open_at_start": sum(at_start.values()), "open_at_end": sum(at_end.values()),
        "closed_by_server": len(conns) - sum(at_end.values()),
        "closed_before_hold": sum(not c.open and c.closed_at < hold_start for c in conns),
        "answered_before_close": answered,
        "by_mode": {m: {"opened": sum(c.mode == m for c in conns), "open_at_start": at_start[m],
                        "open_at_end": at_end[m]} for m in ("header", "body", "idle")},
    }))
    for c in conns:  # reset rather than close, so that no TIME_WAIT holds source ports for a minute
        if c.open:
            c.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.transport.abort()


asyncio.run(main())
