#!/usr/bin/env bash
# One CKAN portal of many side by side: its own port, database, Solr core, storage and config.
# Usage:
#   scripts/portal.sh up NAME PORT [--demo] [--fresh] [--title T]
#                                  config + database + core + migrations (+ demo) + serve;
#                                  --fresh first drops the portal's database, index and files (tests)
#   scripts/portal.sh config NAME PORT [--title T]        only write .local/portals/NAME/ckan.ini
#   scripts/portal.sh init NAME                           database, Solr core, migrations, search index
#   scripts/portal.sh serve NAME | stop NAME | status NAME | demo NAME
# Needs PostgreSQL, Redis and Solr running (scripts/services.sh start).
source "$(dirname "$0")/lib.sh"
PLUGINS="${GOVOPEN_PLUGINS:-govopen scheming_datasets scheming_organizations harvest govopen_harvester activity image_view datastore datatables_view dcat structured_data}"

cmd="${1:-}"; name="${2:-}"
[[ -n "$cmd" && -n "$name" ]] || die "usage: $0 up|config|init|serve|stop|status|demo NAME [PORT]"
[[ "$name" =~ ^[a-z][a-z0-9_]*$ ]] || die "portal name must be lower-case letters, digits, _: $name"
dir="$GOVOPEN_LOCAL/portals/$name"
ini="$dir/ckan.ini"
db="govopen_$name"
datastore_db="govopen_${name}_datastore"
core="govopen_$name"
ckan() { "$GOVOPEN_VENV/bin/ckan" -c "$ini" "$@"; }
port_of() { sed -n 's/^ckan.devserver.port = //p' "$ini"; }

write_config() {
  local port="$1" title="$2"
  mkdir -p "$dir/storage"
  local secret
  secret=$(sed -n 's/^SECRET_KEY = //p' "$ini" 2>/dev/null || true)
  [[ -n "$secret" ]] || secret=$("$GOVOPEN_VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
  # The key sealing applicants' identifiers: kept across config rewrites (a new one could not open them).
  local sealing_keys
  sealing_keys=$(sed -n 's/^ckanext.govopen.identifier_keys = //p' "$ini" 2>/dev/null || true)
  [[ -n "$sealing_keys" ]] || sealing_keys=$("$GOVOPEN_VENV/bin/python" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')
  sed -e "s#@SITE_ID@#$name#g" -e "s#@PORT@#$port#g" -e "s#@TITLE@#$title#g" \
      -e "s#@SECRET@#$secret#g" -e "s#@IDENTIFIER_KEYS@#$sealing_keys#g" -e "s#@PLUGINS@#$PLUGINS#g" -e "s#@STORAGE@#$dir/storage#g" \
      -e "s#@PORTAL_DIR@#$dir#g" \
      -e "s#@DB_URL@#postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$db#g" \
      -e "s#@DATASTORE_WRITE_URL@#postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$datastore_db#g" \
      -e "s#@DATASTORE_READ_URL@#postgresql://$PG_RO_USER:$PG_RO_PASSWORD@127.0.0.1:$PG_PORT/$datastore_db#g" \
      -e "s#@SOLR_URL@#http://127.0.0.1:$SOLR_PORT/solr/$core#g" \
      -e "s#@REDIS_URL@#redis://127.0.0.1:$REDIS_PORT/0#g" \
      -e "s#@SMTP_PORT@#$((port + 20000))#g" \
      "$GOVOPEN_ROOT/scripts/ckan.ini.in" >"$ini.tmp"
  mv "$ini.tmp" "$ini"
  note "config: $ini"
}

init_portal() {
  step "Initialising portal $name (database $db, Solr core $core)"
  bash "$GOVOPEN_ROOT/scripts/pg.sh" createdb "$db"
  bash "$GOVOPEN_ROOT/scripts/pg.sh" datastore "$datastore_db" "$db"
  bash "$GOVOPEN_ROOT/scripts/solr.sh" core "$core"
  note "migrations: CKAN core and every enabled plugin (activity, harvest, govopen)"
  ckan db upgrade >/dev/null
}

serve() {
  local port pid
  port=$(port_of)
  if curl -sf "http://127.0.0.1:$port/api/3/action/status_show" >/dev/null; then
    step "Portal $name already answering on http://127.0.0.1:$port"; return
  fi
  step "Serving portal $name on http://127.0.0.1:$port (log: $dir/ckan.log)"
  nohup "$GOVOPEN_VENV/bin/ckan" -c "$ini" run -H 127.0.0.1 -p "$port" --disable-reloader \
    >"$dir/ckan.log" 2>&1 </dev/null &
  echo $! >"$dir/ckan.pid"
  pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/api/3/action/status_show" >/dev/null && return
    kill -0 "$pid" 2>/dev/null || { tail -30 "$dir/ckan.log" >&2; die "portal $name exited"; }
    sleep 0.5
  done
  tail -30 "$dir/ckan.log" >&2; die "portal $name did not answer within 60s"
}

stop() {
  bash "$GOVOPEN_ROOT/scripts/scheduler.sh" stop "$name"
  if [[ -f "$dir/ckan.pid" ]] && kill -0 "$(cat "$dir/ckan.pid")" 2>/dev/null; then
    step "Stopping portal $name"
    kill "$(cat "$dir/ckan.pid")"
  fi
  rm -f "$dir/ckan.pid"
}

title_arg() { # --title T among the remaining arguments, default by name
  local t="政府数据开放平台（$name）"
  while (($#)); do [[ "$1" == --title ]] && t="$2"; shift; done
  echo "$t"
}

case "$cmd" in
  config) write_config "${3:?port}" "$(title_arg "$@")" ;;
  init) init_portal ;;
  serve) serve ;;
  stop) stop ;;
  status) curl -sf "http://127.0.0.1:$(port_of)/api/3/action/status_show" ;;
  demo) step "Loading demo data into $name"; ckan govopen demo load ;;
  up)
    port="${3:?port}"
    write_config "$port" "$(title_arg "$@")"
    if [[ " $* " == *" --fresh "* ]]; then
      stop
      step "Dropping portal $name's database, index and files"
      bash "$GOVOPEN_ROOT/scripts/pg.sh" dropdb "$db"
      bash "$GOVOPEN_ROOT/scripts/pg.sh" dropdb "$datastore_db"
      rm -rf "$dir/storage"; mkdir -p "$dir/storage"
      init_portal
      ckan search-index clear >/dev/null
    else
      init_portal
    fi
    [[ " $* " == *" --demo "* ]] && { step "Loading demo data into $name"; ckan govopen demo load; }
    serve
    bash "$GOVOPEN_ROOT/scripts/scheduler.sh" start "$name"
    ;;
  *) die "unknown command $cmd" ;;
esac
