"""OWSLib 0.35 against a running lantu: create a site, read another, send it back changed, delete it.

Run by tests/api/clients.rs with the test venv's python (make test installs OWSLib there):
    python owslib_edits.py BASE_URL LOGIN PASSWORD COLLECTION SITE_ID NEW_NAME
OWSLib sends no If-Match. Prints one JSON object: the site as read, the name after the change
as read back, the HTTP status of each request (from OWSLib's own log), the collection's
items filtered by datetime_ before and after the delete, and the site's history.
"""
import json
import logging
import re
import sys

import requests
from owslib.ogcapi.features import Features
from owslib.util import Authentication


class Statuses(logging.Handler):
    """OWSLib logs every response's status; keep them."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen = []

    def emit(self, record):
        found = re.match(r"Response status code: (\d+)", record.getMessage())
        if found:
            self.seen.append(int(found.group(1)))


def main():
    base, login, password, collection, site, name = sys.argv[1:7]
    statuses = Statuses()
    logger = logging.getLogger("owslib")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(statuses)
    api = Features(base + "/api", auth=Authentication(login, password))
    out = {}
    created = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.405, 31.255]},
               "properties": {"name": "OWSLib 新建的点", "element_type": "other"}}
    api.collection_item_create(collection, created)
    out["created_status"] = statuses.seen[-1]
    feature = api.collection_item(collection, site)
    out["read"] = feature["properties"]["name"]
    feature["properties"]["name"] = name
    out["update_returned"] = api.collection_item_update(collection, site, feature)
    out["update_status"] = statuses.seen[-1]
    out["changed"] = api.collection_item(collection, site)["properties"]["name"]
    dated = api.collection_items(collection, datetime_="2020-01-01T00:00:00Z/..")
    out["dated_before_delete"] = sorted(f["id"] for f in dated["features"])
    out["delete_returned"] = api.collection_item_delete(collection, site)
    out["delete_status"] = statuses.seen[-1]
    dated = api.collection_items(collection, datetime_="2020-01-01T00:00:00Z/..")
    out["dated_after_delete"] = sorted(f["id"] for f in dated["features"])
    history = requests.get(
        f"{base}/api/collections/sites/items/{site}/history", auth=(login, password), timeout=30
    ).json()
    out["history"] = [
        [f["properties"]["change"], f["properties"]["name"]] for f in history["features"]
    ]
    print(json.dumps(out, ensure_ascii=False), flush=True)


main()
