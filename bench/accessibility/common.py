"""Shared helpers for the accessibility runners: reading a network directory, writing results."""
import csv
import json
import os
import platform
import statistics
import sys
import time


def read_ids(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        if header != ["node"]:
            sys.exit(f"{path}: header must be 'node', found {header}")
        return [int(row[0]) for row in r if row]


def read_edges(path):
    """Returns three lists: from ids, to ids, lengths in metres."""
    src, dst, length = [], [], []
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        if header != ["from", "to", "length_m"]:
            sys.exit(f"{path}: header must be 'from,to,length_m', found {header}")
        for a, b, w in r:
            src.append(int(a))
            dst.append(int(b))
            length.append(float(w))
    return src, dst, length


def count_nodes(path):
    with open(path) as f:
        return sum(1 for _ in f) - 1


def ms_stats(seconds):
    ms = [s * 1000.0 for s in seconds]
    return {
        "ms_per_source_mean": statistics.fmean(ms) if ms else None,
        "ms_per_source_median": statistics.median(ms) if ms else None,
        "ms_per_source_min": min(ms) if ms else None,
        "ms_per_source_max": max(ms) if ms else None,
    }


def machine():
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_json(path, result):
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(text + "\n")
