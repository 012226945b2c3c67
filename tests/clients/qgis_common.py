"""What the QGIS scripts share: a headless QGIS, and a layer of a lantu collection."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer  # noqa: E402


def start():
    """A headless QGIS; keep what it returns alive."""
    app = QgsApplication([], False)
    app.initQgis()
    return app


def oapif(base, typename, credentials=None, subset=None):
    """The collection `typename` of the lantu at `base`, through QGIS's OAPIF provider."""
    uri = QgsDataSourceUri()
    uri.setParam("url", base + "/api")
    uri.setParam("typename", typename)
    if credentials:
        uri.setUsername(credentials[0])
        uri.setPassword(credentials[1])
    layer = QgsVectorLayer(uri.uri(False), typename, "OAPIF")
    if subset:
        layer.setSubsetString(subset)
    return layer
