#!/usr/bin/env bash
# `make run`: build lantu and serve the demo on http://127.0.0.1:8080 from the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh
need_build_packages
need_web_packages
echo "==> building lantu (release; the first build compiles PROJ and takes a few minutes)"
cargo build --release --locked
exec target/release/lantu serve --demo --listen "${LANTU_LISTEN:-127.0.0.1:8080}" "$@"
