"""An OSM XML extract laid out N × N times, each copy shifted by the extract's own size and its
ids offset, as one OSM XML file on stdout: a larger file with the real one's make-up, for
throughput. `python3 bench/tile_osm.py extract.osm N > tiled.osm`"""
import sys
import xml.etree.ElementTree as ET

source, n = sys.argv[1], int(sys.argv[2])
root = ET.parse(source).getroot()
nodes = root.findall("node")
lons = [float(e.get("lon")) for e in nodes]
lats = [float(e.get("lat")) for e in nodes]
width, height = max(lons) - min(lons), max(lats) - min(lats)
span = 10 ** len(str(max(int(e.get("id")) for e in root if e.get("id"))))
out = sys.stdout
out.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="lantu bench/tile_osm.py">\n')


for kind in ("node", "way", "relation"):
    for i in range(n):
        for j in range(n):
            copy = i * n + j
            for e in root.findall(kind):
                e2 = ET.Element(kind, {"id": str(int(e.get("id")) + copy * span), "version": "1"})
                if kind == "node":
                    e2.set("lon", "%.7f" % (float(e.get("lon")) + j * width))
                    e2.set("lat", "%.7f" % (float(e.get("lat")) + i * height))
                for child in e:
                    c = ET.SubElement(e2, child.tag, dict(child.attrib))
                    if child.tag == "nd":
                        c.set("ref", str(int(child.get("ref")) + copy * span))
                    elif child.tag == "member":
                        c.set("ref", str(int(child.get("ref")) + copy * span))
                out.write(ET.tostring(e2, encoding="unicode"))
                out.write("\n")
out.write("</osm>\n")
