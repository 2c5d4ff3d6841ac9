#!/usr/bin/env bash
# Back up a portal and restore it: both databases (pg_dump, custom format), the uploaded files
# and the sync files; the search index is rebuilt from the database on restore.
# Usage: scripts/backup.sh dump NAME DIR      write DIR/{main.dump,datastore.dump,files.tar,manifest}
#        scripts/backup.sh restore NAME DIR   the portal stopped: recreate both databases from DIR,
#                                             put the files back, rebuild the search index
# NAME is a portal of scripts/portal.sh (its ckan.ini in .local/portals/NAME). The production
# deployment does the same with the compose services (docker/README.md, "Backups").
source "$(dirname "$0")/lib.sh"
cmd="${1:-}"; name="${2:-}"; out="${3:-}"
[[ -n "$cmd" && -n "$name" && -n "$out" ]] || die "usage: $0 dump|restore NAME DIR"
PGBIN=/usr/lib/postgresql/15/bin
dir="$GOVOPEN_LOCAL/portals/$name"
ini="$dir/ckan.ini"
db="govopen_$name"
datastore_db="govopen_${name}_datastore"
[[ -f "$ini" ]] || die "no portal $name ($ini)"
export PGPASSWORD="$PG_PASSWORD"
pg() { "$PGBIN/$1" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "${@:2}"; }
ckan() { "$GOVOPEN_VENV/bin/ckan" -c "$ini" "$@"; }

case "$cmd" in
  dump)
    mkdir -p "$out"
    step "Backing up portal $name into $out"
    pg pg_dump -Fc -f "$out/main.dump" "$db"
    pg pg_dump -Fc -f "$out/datastore.dump" "$datastore_db"
    tar -C "$dir" -cf "$out/files.tar" storage $(cd "$dir" && ls sync-*.json 2>/dev/null)
    {
      echo "portal=$name"
      echo "taken=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      echo "datasets=$(pg psql -qAtX -d "$db" -c "SELECT count(*) FROM package WHERE state = 'active'")"
      echo "requests=$(pg psql -qAtX -d "$db" -c "SELECT count(*) FROM govopen_request")"
    } >"$out/manifest"
    note "$(tr '\n' ' ' <"$out/manifest")"
    ;;
  restore)
    for f in main.dump datastore.dump files.tar; do [[ -f "$out/$f" ]] || die "$out/$f is missing"; done
    if [[ -f "$dir/ckan.pid" ]] && kill -0 "$(cat "$dir/ckan.pid")" 2>/dev/null; then
      die "portal $name is running: scripts/portal.sh stop $name first"
    fi
    step "Restoring portal $name from $out"
    bash "$GOVOPEN_ROOT/scripts/pg.sh" dropdb "$db"
    bash "$GOVOPEN_ROOT/scripts/pg.sh" dropdb "$datastore_db"
    bash "$GOVOPEN_ROOT/scripts/pg.sh" createdb "$db"
    bash "$GOVOPEN_ROOT/scripts/pg.sh" createdb "$datastore_db"
    pg pg_restore --no-owner --role="$PG_USER" --exit-on-error -d "$db" "$out/main.dump"
    pg pg_restore --no-owner --role="$PG_USER" --exit-on-error -d "$datastore_db" "$out/datastore.dump"
    # the read-only user's rights and CKAN's DataStore permissions, over the restored tables
    bash "$GOVOPEN_ROOT/scripts/pg.sh" datastore "$datastore_db" "$db"
    rm -rf "$dir/storage"
    tar -C "$dir" -xf "$out/files.tar"
    note "rebuilding the search index from the database"
    ckan search-index clear >/dev/null
    ckan search-index rebuild >/dev/null
    note "restored: $(tr '\n' ' ' <"$out/manifest")"
    ;;
  *) die "usage: $0 dump|restore NAME DIR" ;;
esac
