#!/usr/bin/env bash
# Installs what the accessibility comparison needs; safe to run again (does nothing when done).
#   bench/accessibility/setup.sh
# - bench/.venv-access (or $ACCESS_VENV): a python3 venv with requirements.txt (pandana 0.8, networkx 3.6.1,
#   pandas 3.1.1, numpy 2.4.6 and their dependencies, all pinned). Rebuilt when
#   requirements.txt changes.
# - Debian packages postgresql-15-pgrouting (pgRouting 3.4.2) and postgresql-15-postgis-3, for
#   run_pgrouting.sh, when missing (apt-get; needs root, or sudo).
# Prints the venv's python at the end: use it for run_pandana.py and run_networkx.py.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${ACCESS_VENV:-$(cd "$HERE/.." && pwd)/.venv-access}
REQ=$HERE/requirements.txt
PY=${PYTHON:-python3}

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
  echo "setup: $VENV is up to date"
else
  echo "setup: creating $VENV with $($PY --version) and installing requirements.txt"
  case "$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
    3.11) ;;
    *) echo "setup: warning: the pins were made on Python 3.11; $($PY --version) may not have wheels for them" >&2 ;;
  esac
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  "$VENV/bin/python" -c 'import pandana, networkx, pandas; print("setup: pandana", pandana.__version__, "networkx", networkx.__version__, "pandas", pandas.__version__)'
  echo "$want" >"$VENV/.requirements.sha256"
fi

missing=()
for pkg in postgresql-15-pgrouting postgresql-15-postgis-3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: postgresql-15-pgrouting and postgresql-15-postgis-3 are installed"
else
  echo "setup: installing ${missing[*]} with apt-get"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: not root and no sudo: install ${missing[*]} by hand" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
fi
echo "$VENV/bin/python"
