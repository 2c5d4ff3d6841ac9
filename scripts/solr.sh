#!/usr/bin/env bash
# The project's own Apache Solr ($SOLR_VERSION), assembled from Maven Central jars (solr/pom.xml)
# and run embedded in Jetty by solr/Launcher.java on 127.0.0.1:$SOLR_PORT (loopback only).
# Solr home, cores, indexes and logs live in .local/solr; the jars in $GOVOPEN_CACHE.
# Usage:
#   scripts/solr.sh build        gather the jars (once; a stamp makes later runs instant)
#   scripts/solr.sh start        start Solr in the background, or reuse one already answering
#   scripts/solr.sh stop         stop the Solr this checkout started
#   scripts/solr.sh status       what answers on the port, and its cores
#   scripts/solr.sh core NAME    create core NAME (CKAN schema, Chinese-aware), or update it
#   scripts/solr.sh ping NAME    check that core NAME answers
# CKAN's solr_url for core NAME: http://127.0.0.1:$SOLR_PORT/solr/NAME
source "$(dirname "$0")/lib.sh"

SRC="$GOVOPEN_ROOT/solr"
DIST="$GOVOPEN_CACHE/solr-$SOLR_VERSION"
LIB="$DIST/lib"
STAMP="$DIST/lib.stamp"
DIR="$GOVOPEN_LOCAL/solr"
HOME_DIR="$DIR/home"
CORES="$DIR/cores"
LOGS="$DIR/logs"
PIDFILE="$DIR/solr.pid"
BASE="http://127.0.0.1:$SOLR_PORT/solr"
START_TIMEOUT="${GOVOPEN_SOLR_START_TIMEOUT:-90}"
SOLR_HEAP="${GOVOPEN_SOLR_HEAP:-512m}"

need() { command -v "$1" >/dev/null || die "$1 is not installed: run scripts/deps.sh"; }
need curl

# A small JSON reader for Solr's answers: json_get EXPR (python expression on d) < json
json_get() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$1"; }

answering() { curl -fsS -m 5 "$BASE/admin/info/system?wt=json" >/dev/null 2>&1; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$SOLR_PORT") 2>/dev/null; }

# The pid of the Solr this checkout started, if it is still that process.
our_pid() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-Dgovopen.solr.home=$HOME_DIR" || return 1
  echo "$pid"
}

# api PATH-AND-QUERY: GET from Solr, print the body; die with Solr's message on an error.
api() {
  local out code
  out="$(curl -sS -m 120 -w '\n%{http_code}' "$BASE/$1")" || die "Solr did not answer on $BASE"
  code="${out##*$'\n'}"
  out="${out%$'\n'*}"
  if [[ "$code" != 200 ]]; then
    local msg
    msg="$(printf '%s' "$out" | json_get 'd.get("error", {}).get("msg", "")' 2>/dev/null || true)"
    die "Solr answered HTTP $code to /$1: ${msg:-$out}"
  fi
  printf '%s\n' "$out"
}

show_logs() {
  local f
  for f in "$LOGS/console.log" "$LOGS/solr.log"; do
    [[ -s "$f" ]] || continue
    printf '    --- last lines of %s ---\n' "$f" >&2
    grep -v '^\s*at ' "$f" | tail -n 25 | sed 's/^/    /' >&2
  done
}

cmd_build() {
  need java
  local want
  want="solr=$SOLR_VERSION pom=$(sha256sum "$SRC/pom.xml" | cut -c1-16)"
  if [[ -d "$LIB" && "$(cat "$STAMP" 2>/dev/null)" == "$want" ]]; then
    step "Solr $SOLR_VERSION jars present ($(ls "$LIB" | wc -l) jars in $LIB)"
    return 0
  fi
  need mvn
  mkdir -p "$DIST"
  exec 9>"$DIST/.lock"
  flock 9  # two checkouts building at once: the second waits, then finds the stamp
  if [[ -d "$LIB" && "$(cat "$STAMP" 2>/dev/null)" == "$want" ]]; then
    step "Solr $SOLR_VERSION jars present (built meanwhile)"
    return 0
  fi
  step "Gathering Solr $SOLR_VERSION jars from Maven Central (solr/pom.xml; a minute or two the first time)"
  local tmp="$DIST/lib.tmp" log="$DIST/build.log"
  rm -rf "$tmp"
  note "mvn dependency:copy-dependencies (log: $log)"
  if ! mvn -B -ntp -f "$SRC/pom.xml" -Dsolr.version="$SOLR_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >"$log" 2>&1; then
    grep -E '^\[(ERROR|WARNING)\]' "$log" | head -n 20 | sed 's/^/    /' >&2
    die "Maven could not gather the Solr jars (full log: $log)"
  fi
  # The jars this Solr cannot run without, and no Jetty other than Solr's own 10.0.x.
  local j
  for j in "solr-core-$SOLR_VERSION.jar" "solr-test-framework-$SOLR_VERSION.jar" \
      lucene-analysis-smartcn- jetty-server-10. log4j-slf4j2-impl-; do
    compgen -G "$tmp/$j*" >/dev/null || die "the gathered jars lack $j (see $log)"
  done
  local others
  others="$(cd "$tmp" && compgen -G '*.jar' | grep -E '^(jetty|http2|websocket)-.*-(9|11|12)\.[0-9.]+(\.v[0-9]+)?\.jar$' || true)"
  [[ -z "$others" ]] || die "a Jetty other than 10.x was pulled in ($others): pin it in solr/pom.xml"
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  echo "$want" >"$STAMP"
  note "$(ls "$LIB" | wc -l) jars, $(du -sh "$LIB" | cut -f1), in $LIB"
}

# Cores in this checkout's .local/solr/cores that the running Solr does not serve: Solr
# discovers them at start only when it was started from this checkout. Problems are reported,
# not fatal: scripts/solr.sh core NAME repairs a core.
load_local_cores() {
  local props name status loaded failed out
  for props in "$CORES"/*/core.properties; do
    [[ -f "$props" ]] || continue
    name="$(sed -n 's/^name=//p' "$props" | head -n 1)"
    [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || continue
    status="$(api "admin/cores?action=STATUS&core=$name&indexInfo=false&wt=json")"
    loaded="$(printf '%s' "$status" | json_get 'd["status"]["'"$name"'"].get("instanceDir", "")')"
    failed="$(printf '%s' "$status" | json_get 'd.get("initFailures", {}).get("'"$name"'", "")')"
    if [[ -n "$loaded" && "$(realpath -m "$loaded")" != "$(realpath -m "$(dirname "$props")")" ]]; then
      note "warning: core $name is served from $loaded, not from this checkout's $(dirname "$props")"
    elif [[ -n "$failed" ]]; then
      note "warning: core $name failed to load: $failed"
      note "  (scripts/solr.sh core $name rewrites its configuration and retries)"
    elif [[ -z "$loaded" ]]; then
      note "loading core $name from $(dirname "$props")"
      mv "$props" "$props.bak"  # CREATE refuses a directory with a core.properties
      if ! out="$(api "admin/cores?action=CREATE&name=$name&instanceDir=$(urlencode "$(dirname "$props")")&wt=json" 2>&1)"; then
        mv "$props.bak" "$props"
        note "warning: could not load it: $(printf '%s' "$out" | sed 's/\x1b\[[0-9;]*m//g; s/^Error: //')"
      else
        rm -f "$props.bak"
      fi
    fi
  done
}

cmd_start() {
  if answering; then
    step "Solr already answering on 127.0.0.1:$SOLR_PORT, reusing it"
    load_local_cores
    return 0
  fi
  local pid
  if pid="$(our_pid)"; then
    step "Solr (pid $pid) is starting; waiting for it"
  else
    port_taken && die "127.0.0.1:$SOLR_PORT is taken by something that is not Solr (set GOVOPEN_SOLR_PORT)"
    need java
    [[ -d "$LIB" && -f "$STAMP" ]] || cmd_build
    mkdir -p "$HOME_DIR" "$CORES" "$LOGS"
    cp "$SRC/solr.xml" "$HOME_DIR/solr.xml"
    cp "$SRC/log4j2.xml" "$HOME_DIR/log4j2.xml"
    # Compiled once (a source-file launch would also work, but costs ~50 MB and a second).
    local cp="$DIR/launcher:$LIB/*" main=Launcher
    local class="$DIR/launcher/Launcher.class"
    if [[ ! -f "$class" || "$SRC/Launcher.java" -nt "$class" || "$STAMP" -nt "$class" ]]; then
      if command -v javac >/dev/null; then
        rm -rf "$DIR/launcher"
        javac -nowarn -cp "$LIB/*" -d "$DIR/launcher" "$SRC/Launcher.java" || die "could not compile solr/Launcher.java"
      else
        cp="$LIB/*" main="$SRC/Launcher.java"
      fi
    fi
    step "Starting Solr $SOLR_VERSION on 127.0.0.1:$SOLR_PORT (home $HOME_DIR)"
    cd "$HOME_DIR"
    nohup java -Xms64m -Xmx"$SOLR_HEAP" -XX:+UseSerialGC -Dfile.encoding=UTF-8 \
      -Dgovopen.solr.home="$HOME_DIR" -Dgovopen.solr.cores="$CORES" \
      -Dsolr.log.dir="$LOGS" -Dlog4j2.configurationFile="$HOME_DIR/log4j2.xml" \
      -Dsolr.allowPaths='*' -Djetty.port="$SOLR_PORT" \
      -cp "$cp" "$main" "$HOME_DIR" "$SOLR_PORT" \
      >"$LOGS/console.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    cd - >/dev/null
  fi
  # Jetty answers before the cores are loaded; the Launcher's line comes after.
  local t0=$SECONDS
  until grep -q '^Launcher: Solr .* up on' "$LOGS/console.log" 2>/dev/null && answering; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      show_logs
      die "Solr exited during start-up"
    fi
    if ((SECONDS - t0 >= START_TIMEOUT)); then
      show_logs
      die "Solr did not answer within ${START_TIMEOUT}s (pid $pid still running; scripts/solr.sh stop)"
    fi
    sleep 0.5
  done
  note "up after $((SECONDS - t0))s, pid $pid, logs in $LOGS"
  grep -h '^Launcher: Solr' "$LOGS/console.log" 2>/dev/null | tail -n 1 | sed 's/^/    /' || true
  load_local_cores
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    if answering; then
      step "Solr on 127.0.0.1:$SOLR_PORT was not started by this checkout; leaving it running"
    else
      step "Solr is not running"
    fi
    return 0
  fi
  step "Stopping Solr (pid $pid)"
  kill -TERM "$pid"
  local i
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    note "still running after 30s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

cmd_status() {
  if ! answering; then
    echo "Solr not running on 127.0.0.1:$SOLR_PORT"
    exit 1
  fi
  local info pid who="not started by this checkout"
  info="$(api "admin/info/system?wt=json")"
  pid="$(our_pid)" && who="pid $pid, started by this checkout"
  printf 'Solr %s answering on %s (%s)\n' \
    "$(printf '%s' "$info" | json_get 'd["lucene"]["solr-spec-version"]')" "$BASE" "$who"
  api "admin/cores?action=STATUS&wt=json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for name, c in sorted(d["status"].items()):
    print("  core %s: %s docs, %s" % (name, c.get("index", {}).get("numDocs", "?"), c.get("instanceDir")))
for name, err in sorted(d.get("initFailures", {}).items()):
    print("  core %s: FAILED to load: %s" % (name, err))
if not d["status"] and not d.get("initFailures"):
    print("  no cores")'
}

check_name() {
  [[ "${1:-}" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || die "usage: $0 ${2:-core} NAME (letters, digits, _ . -)"
}

ping_ok() { curl -fsS -m 10 "$BASE/$1/admin/ping?wt=json" 2>/dev/null | grep -q '"status":"OK"'; }

cmd_core() {
  local name="$1" inst="$CORES/$1"
  check_name "$name" core
  answering || die "Solr is not running on 127.0.0.1:$SOLR_PORT: run scripts/solr.sh start"
  step "Solr core $name ($inst)"
  local status dir failed
  status="$(api "admin/cores?action=STATUS&core=$name&indexInfo=false&wt=json")"
  dir="$(printf '%s' "$status" | json_get 'd["status"]["'"$name"'"].get("instanceDir", "")')"
  failed="$(printf '%s' "$status" | json_get 'd.get("initFailures", {}).get("'"$name"'", "")')"
  if [[ -n "$dir" && "$(realpath -m "$dir")" != "$(realpath -m "$inst")" ]]; then
    die "core $name is already served from $dir, not from this checkout; pick another name"
  fi
  mkdir -p "$inst/conf"
  local new="$inst/conf.new"
  rm -rf "$new"
  mkdir -p "$new"
  note "generating the configuration from the installed CKAN's schema (ckanext/govopen/solr/schema.py)"
  rm -rf "$new.set"
  "$GOVOPEN_VENV/bin/python" -m ckanext.govopen.solr.schema --configset "$new.set" >/dev/null ||
    die "could not generate the Solr configuration"
  mv "$new.set/conf/"* "$new/" && rm -rf "$new.set"
  local f
  for f in "$new"/*; do
    cmp -s "$f" "$inst/conf/$(basename "$f")" || mv "$f" "$inst/conf/"
  done
  rm -rf "$new"
  # What the core last loaded successfully, so that a failed RELOAD is retried next time.
  local hash changed=0
  hash="$(cat "$inst"/conf/* | sha256sum | cut -c1-16)"
  [[ "$(cat "$inst/conf.loaded" 2>/dev/null)" == "$hash" ]] || changed=1

  if [[ -n "$dir" ]]; then
    if ((changed)); then
      note "configuration changed: reloading the core"
      api "admin/cores?action=RELOAD&core=$name&wt=json" >/dev/null
    else
      note "exists, configuration unchanged"
    fi
  elif [[ -n "$failed" ]]; then
    note "had failed to load ($failed); retrying with the new configuration"
    api "admin/cores?action=RELOAD&core=$name&wt=json" >/dev/null
  else
    note "creating it"
    rm -f "$inst/core.properties"  # left by a Solr started elsewhere; CREATE writes it anew
    api "admin/cores?action=CREATE&name=$name&instanceDir=$(urlencode "$inst")&wt=json" >/dev/null
  fi
  wait_for "Solr core $name" 30 ping_ok "$name"
  echo "$hash" >"$inst/conf.loaded"
  note "ready: solr_url = $BASE/$name"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  core) cmd_core "${2:-}" ;;
  ping)
    check_name "${2:-}" ping
    if ping_ok "$2"; then echo "Solr core $2: OK"; else echo "Solr core $2: not answering" >&2; exit 1; fi
    ;;
  *) die "usage: $0 build|start|stop|status|core NAME|ping NAME" ;;
esac
