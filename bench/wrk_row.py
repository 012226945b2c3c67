"""Reads wrk --latency output on stdin; prints tiles/s, p50 ms, p99 ms, KiB per tile, errors."""
import re
import sys

text = sys.stdin.read()


def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def size(value, unit):
    return float(value) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
per_tile = size(*transfer.groups()) / rps / 1024 if transfer and rps else float("nan")
errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", text))
errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
print(f"{rps:.0f}\t{ms(50):.2f}\t{ms(99):.2f}\t{per_tile:.1f}\t{errors}")
