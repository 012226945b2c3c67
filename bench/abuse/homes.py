"""N random home points over a box (lon lat lon lat), as GeoJSON for `lantu import homes`."""
import json
import random
import sys

west, south, east, north, n = map(float, sys.argv[1:6])
rng = random.Random(7)
features = [{"type": "Feature", "properties": {"name": f"home {i}", "population": 30},
             "geometry": {"type": "Point", "coordinates": [round(rng.uniform(west, east), 6),
                                                           round(rng.uniform(south, north), 6)]}}
            for i in range(int(n))]
json.dump({"type": "FeatureCollection", "features": features}, sys.stdout)
