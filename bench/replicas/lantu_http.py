"""The one HTTP call the replica benchmarks make: a JSON (GeoJSON) request with a token."""
import json
import urllib.request


def call(method, url, token, body=None, if_match=None):
    """Sends `body` (JSON) with a Bearer token and `If-Match`; returns status, ETag, bytes."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/geo+json")
    if if_match:
        req.add_header("If-Match", if_match)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("ETag"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, None, e.read()
