# Sourced by the other scripts: installs Debian packages the build or the tests need, once.
# As root with apt-get it installs them; otherwise it says exactly what to install and stops.

need_packages() {
  local missing=() options=()
  local pkg
  if [ "${1:-}" = --no-recommends ]; then options=(--no-install-recommends); shift; fi
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing ${missing[*]} (apt-get)"
    if [ -z "${LANTU_APT_UPDATED:-}" ]; then
      apt-get update -qq || { echo "apt-get update failed: check the network or the apt sources" >&2; return 1; }
      export LANTU_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null || {
      echo "apt-get install ${missing[*]} failed; install them by hand and run again" >&2
      return 1
    }
  else
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
}

# What building lantu needs: PROJ is compiled from source (cmake, g++, the sqlite3 command).
need_build_packages() {
  command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs" >&2; return 1; }
  need_packages cmake g++ make sqlite3 pkg-config python3
}

# The web page's packages (maplibre-gl, the CJK font; with --dev, the browser-test tools), by npm.
need_web_packages() {
  command -v npm >/dev/null || need_packages nodejs npm || return 1
  local lock=web/package-lock.json stamp=web/node_modules/.lantu-installed
  local want="$(sha256sum "$lock" | cut -d' ' -f1) ${1:-prod}"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> npm ci in web/ ($([ "${1:-}" = --dev ] && echo 'with the browser-test tools' || echo 'page packages'))"
    local omit=(--omit=dev)
    [ "${1:-}" = --dev ] && omit=()
    (cd web && npm ci --no-audit --no-fund --loglevel=error "${omit[@]}") || {
      echo "npm ci failed in web/: check that the npm registry is reachable" >&2
      return 1
    }
    echo "$want" > "$stamp"
  fi
}
