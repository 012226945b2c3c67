"""A 150,000-vertex polygon sent to the sites write route: anonymously (refused before the body
is read; server CPU per request from /proc) and as a planner (validated; wall time).

Prints one JSON line: {"anonymous": {...}, "planner": {...}}.
"""
import argparse
import json
import math
import os
import socket
import time
from urllib.parse import urlparse

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def feature(vertices):
    ring = [[round(121.42 + 0.01 * math.cos(a), 7), round(31.25 + 0.01 * math.sin(a), 7)]
            for a in (i / vertices * 2 * math.pi for i in range(vertices))]
    ring.append(ring[0])
    return json.dumps({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                       "properties": {"name": "大圆 big circle", "element_type": "pocket_garden"}},
                      separators=(",", ":")).encode()


def post(url, body, token):
    u = urlparse(url)
    head = (f"POST /api/collections/sites/items HTTP/1.1\r\nHost: {u.netloc}\r\n"
            f"Content-Type: application/geo+json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n").encode()
    started = time.perf_counter()
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        try:
            s.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body was read: the answer is already there
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--vertices", type=int, default=150_000)
    p.add_argument("--anonymous", type=int, default=50)
    p.add_argument("--planner", type=int, default=5)
    a = p.parse_args()
    body = feature(a.vertices)
    result = {"vertices": a.vertices, "body_mb": round(len(body) / 1e6, 2)}
    for who, count, token in (("anonymous", a.anonymous, None), ("planner", a.planner, a.token)):
        before = cpu_seconds(a.pid)
        answers = [post(a.url, body, token) for _ in range(count)]
        cpu = cpu_seconds(a.pid) - before
        walls = sorted(w for _, w in answers)
        result[who] = {
            "requests": count,
            "statuses": sorted({s for s, _ in answers}),
            "server_cpu_ms_per_request": round(1000 * cpu / count, 1),
            "wall_ms_p50": round(1000 * walls[len(walls) // 2], 1),
            "wall_ms_max": round(1000 * walls[-1], 1),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
