"""Reads the JSON line of flood.py or slow.py on stdin; prints it as one cell of the results table."""
import json
import sys

r = json.loads(sys.stdin.read())


def count(d):
    return ", ".join(f"{k} ×{v}" for k, v in d.items()) or "none"


if "by_status" in r:  # flood.py
    parts = []
    for code, s in r["by_status"].items():
        if s["n"]:
            parts.append(f"{code} ×{s['n']} (p50 {s['p50_ms']:g} ms, p99 {s['p99_ms']:g} ms)")
    print(f"{r['attackers']} attackers, {r['requests']} answers: {'; '.join(parts) or 'none'}; "
          f"codes {count(r['codes'])}; Retry-After on {r['retry_after']}; "
          f"connection errors: {count(r['errors'])}; {r['connects']} connections opened")
else:  # slow.py
    print(f"{r['count']} slow connections: {r['opened']} opened in {r['ramp_s']:g} s "
          f"(failed to open: {count(r['open_failed'])}); open {r['open_at_start']} at start, "
          f"{r['open_at_end']} at end (header/body/idle: {'/'.join(str(m['open_at_end']) for m in r['by_mode'].values())}); closed by the server {r['closed_by_server']} "
          f"({r['closed_before_hold']} before the start; answered first: {count(r['answered_before_close'])})")
