"""Many distinct coverage thresholds: each would add a distance table of one float per home.
Asks /api/coverage at N thresholds (with a token: reads by token holders are not rate-limited)
and reports the server's RSS before and after (from /proc).

Prints one JSON line.
"""
import argparse
import json
import urllib.request


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--category", default="metro_station")
    a = p.parse_args()
    before = rss_mib(a.pid)
    peak, statuses = before, {}
    for i in range(a.count):
        threshold = 100 + i * (4800 / a.count)  # distinct, 100 m to 4,900 m
        req = urllib.request.Request(
            f"{a.url}/api/coverage?category={a.category}&threshold_m={threshold:.2f}",
            headers={"Authorization": f"Bearer {a.token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                code = r.status
                homes = json.load(r).get("homes_total")
        except urllib.error.HTTPError as e:
            code, homes = e.code, None
        statuses[code] = statuses.get(code, 0) + 1
        if i % 100 == 0:
            peak = max(peak, rss_mib(a.pid))
    after = rss_mib(a.pid)
    print(json.dumps({"thresholds": a.count, "statuses": statuses, "homes": homes,
                      "rss_mib_before": round(before), "rss_mib_peak": round(max(peak, after)),
                      "rss_mib_after": round(after), "growth_mib": round(max(peak, after) - before)}))


if __name__ == "__main__":
    main()
