#!/usr/bin/env bash
# Install what is missing: Debian packages, the Python venv with pinned requirements.
# Idempotent: a second run installs nothing. Usage: scripts/deps.sh [--browser]
source "$(dirname "$0")/lib.sh"

want=(postgresql-15 redis-server libpq-dev gcc python3-dev curl maven openjdk-17-jdk-headless docker-compose)
[[ "${1:-}" == "--browser" ]] && want+=(chromium fonts-noto-cjk)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Java and Maven may come from elsewhere than Debian (this machine kind ships them).
if command -v java >/dev/null && java -version 2>&1 | grep -q '"17'; then
  missing=("${missing[@]/openjdk-17-jdk-headless}")
fi
command -v mvn >/dev/null && missing=("${missing[@]/maven}")
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  step "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  step "Debian packages present"
fi

stamp="$GOVOPEN_VENV/.govopen-requirements"
reqhash=$(cat "$GOVOPEN_ROOT/requirements.txt" "$GOVOPEN_ROOT/dev-requirements.txt" | sha256sum | cut -c1-16)
if [[ ! -x "$GOVOPEN_VENV/bin/python" ]]; then
  step "Creating venv $GOVOPEN_VENV"
  "$PYTHON" -m venv "$GOVOPEN_VENV"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$reqhash" ]]; then
  step "Installing Python requirements (a few minutes on a new machine)"
  "$GOVOPEN_VENV/bin/pip" install -q --upgrade pip setuptools wheel
  "$GOVOPEN_VENV/bin/pip" install --progress-bar off -r "$GOVOPEN_ROOT/requirements.txt" \
      -r "$GOVOPEN_ROOT/dev-requirements.txt" | grep -E '^(Successfully|ERROR)' || true
  echo "$reqhash" >"$stamp"
else
  step "Python requirements present"
fi
# Always re-point the editable install at this checkout (CI clones elsewhere).
"$GOVOPEN_VENV/bin/pip" install -q --no-deps --no-build-isolation -e "$GOVOPEN_ROOT"

# The charting library of the scorecard pages (Chart.js, MIT), into the plugin's public folder;
# pinned and checked. Without it the pages show their tables only.
chart="$GOVOPEN_ROOT/ckanext/govopen/public/govopen/vendor/chart.umd.min.js"
if [[ ! -f "$chart" ]]; then
  command -v npm >/dev/null || { apt-get update -qq; apt-get install -y -qq --no-install-recommends npm >/dev/null; }
  step "Installing Chart.js 4.5.1 (scorecard charts)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent chart.js@4.5.1 >/dev/null)
  echo "f540d98468457ac7a0aabb32006dfb066297e096c5ea063a5d80aa973d1c337a  $tmp/chart.js-4.5.1.tgz" | sha256sum -c --quiet
  tar xzf "$tmp/chart.js-4.5.1.tgz" -C "$tmp" package/dist/chart.umd.min.js package/LICENSE.md
  mkdir -p "$(dirname "$chart")"
  cp "$tmp/package/LICENSE.md" "$(dirname "$chart")/LICENSE.chart.js.md"
  cp "$tmp/package/dist/chart.umd.min.js" "$chart"
  rm -rf "$tmp"
fi

# The accessibility audit's engine (axe-core, from npm) for the browser tests.
if [[ "${1:-}" == "--browser" ]]; then
  axe="$GOVOPEN_ROOT/.local/node/node_modules/axe-core/axe.min.js"
  if [[ ! -f "$axe" ]]; then
    command -v npm >/dev/null || { apt-get update -qq; apt-get install -y -qq --no-install-recommends npm >/dev/null; }
    step "Installing axe-core (accessibility audit)"
    mkdir -p "$GOVOPEN_ROOT/.local/node"
    npm install --prefix "$GOVOPEN_ROOT/.local/node" --no-audit --no-fund --silent "axe-core@4.10.2"
  fi
fi
