"""QGIS 3.22 headless draws lantu's sites with the QML lantu serves.

Run by tests/api/clients.rs with Debian's python3 (python3-qgis):
    python3 qgis_style.py BASE_URL LOGIN PASSWORD
For each per-type collection: loads the layer (OAPIF, Basic auth), applies
/api/collections/{id}/style.qml, renders the layer on white, and prints, per site, the colour of
the pixel where it is drawn (a point's centre, a line's middle, a polygon's interior),
read from a rendering without labels, and whether the labels' CJK font is there. The renderings are
saved in $LANTU_ARTIFACTS.
"""
import json
import os
import sys
import tempfile
import urllib.request

from qgis_common import oapif, start  # first: it makes QGIS headless
from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsPointXY  # noqa: E402
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QFontDatabase



def render(settings):
    """The map `settings` describe, as an image."""
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def where_drawn(feature):
    """A point of the feature that its symbol covers."""
    g = feature.geometry()
    if g.type() == 0:
        return g.asPoint()
    if g.type() == 1:
        return g.interpolate(g.length() / 2).asPoint()
    vertices = [QgsPointXY(v) for v in g.vertices()]
    centre = g.centroid().asPoint()
    corner = vertices[0]
    return QgsPointXY(centre.x() + 0.6 * (corner.x() - centre.x()), centre.y() + 0.6 * (corner.y() - centre.y()))


def main():
    base, login, password = sys.argv[1:4]
    app = start()  # noqa: F841 (QGIS lives while it does)
    out = {}
    for typename in ["sites_points", "sites_lines", "sites_polygons"]:
        lyr = oapif(base, typename, (login, password))
        qml = urllib.request.urlopen(f"{base}/api/collections/{typename}/style.qml", timeout=30).read()
        with tempfile.NamedTemporaryFile(suffix=".qml", delete=False) as f:
            f.write(qml)
        message, ok = lyr.loadNamedStyle(f.name)
        settings = QgsMapSettings()
        settings.setLayers([lyr])
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(600, 600))
        settings.setDestinationCrs(lyr.crs())
        extent = lyr.extent()
        extent.grow(max(extent.width(), extent.height(), 0.002) * 0.3)
        settings.setExtent(extent)
        labelled = lyr.labelsEnabled()
        artefact = os.path.join(os.environ.get("LANTU_ARTIFACTS", tempfile.gettempdir()), f"qgis-{typename}.png")
        render(settings).save(artefact)
        # The colours are read where no label can be: from a rendering without them.
        lyr.setLabelsEnabled(False)
        image = render(settings)
        pixels = {}
        for feature in lyr.getFeatures():
            p = settings.mapToPixel().transform(where_drawn(feature))
            c = image.pixelColor(int(round(p.x())), int(round(p.y())))
            pixels[feature["name"]] = [c.red(), c.green(), c.blue()]
        out[typename] = {"style_loaded": bool(ok), "labels": labelled, "pixels": pixels}
    # The QML's label font: Chinese labels are tofu without it.
    out["label_font_installed"] = "Noto Sans CJK SC" in QFontDatabase().families()
    print(json.dumps(out, ensure_ascii=False), flush=True)
    os._exit(0)


main()
