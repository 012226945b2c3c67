"""QGIS 3.22 headless against a running lantu, as a planner would use it.

Run by tests/api/clients.rs with Debian's python3 (python3-qgis):
    python3 qgis_reads.py BASE_URL LOGIN PASSWORD
Prints one JSON object: for each per-type collection, what QGIS's OAPIF provider loads
anonymously and with Basic auth (the layer's validity, geometry type and site names); what a
date subset string loads (QGIS sends it as datetime=); and what a subset string on a layer
opened through GDAL's OAPIF driver loads (GDAL sends it as a CQL filter=).
"""
import json
import os
import sys

from qgis_common import oapif, start  # first: it makes QGIS headless
from qgis.core import QgsVectorLayer, QgsWkbTypes  # noqa: E402



def described(layer):
    # An empty layer has no fields at all, so no "name" to read.
    named = "name" in layer.fields().names()
    return {
        "valid": layer.isValid(),
        "geometry": QgsWkbTypes.displayString(layer.wkbType()),
        "names": sorted(f["name"] if named else None for f in layer.getFeatures()),
    }


def main():
    base, login, password = sys.argv[1:4]
    app = start()  # noqa: F841 (QGIS lives while it does)
    out = {}
    for typename in ["sites_points", "sites_lines", "sites_polygons"]:
        out[typename] = {
            "public": described(oapif(base, typename)),
            "planner": described(oapif(base, typename, (login, password))),
        }
    dated = oapif(base, "sites", (login, password), "\"updated_at\" > '2020-01-01T00:00:00Z'")
    out["dated"] = described(dated)
    future = oapif(base, "sites", (login, password), "\"updated_at\" > '2999-01-01T00:00:00Z'")
    out["future"] = described(future)
    # The OGR provider reads OGC API Features through GDAL, which sends CQL to the server.
    ogr = QgsVectorLayer(f"OAPIF:{base}/api/collections/sites_lines", "lines", "ogr")
    ogr.setSubsetString("element_type = 'slow_traffic' AND name LIKE '慢行%'")
    out["cql"] = described(ogr)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    # exitQgis() crashes the 3.22 bindings on the way out; the answer is already printed.
    os._exit(0)


main()
