"""Prints every z/x/y tile of zooms MIN..MAX that a lon/lat box touches (XYZ scheme)."""
import math
import sys

west, south, east, north, zmin, zmax = map(float, sys.argv[1:7])


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


for z in range(int(zmin), int(zmax) + 1):
    x0, y0 = tile(west, north, z)
    x1, y1 = tile(east, south, z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(f"{z}/{x}/{y}")
