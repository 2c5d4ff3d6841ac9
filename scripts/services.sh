#!/usr/bin/env bash
# Start or stop the shared services: PostgreSQL, Redis, Solr. Usage: scripts/services.sh start|stop|status
source "$(dirname "$0")/lib.sh"
here="$GOVOPEN_ROOT/scripts"
case "${1:-}" in
  start) bash "$here/solr.sh" build; bash "$here/pg.sh" start; bash "$here/redis.sh" start; bash "$here/solr.sh" start ;;
  stop) bash "$here/solr.sh" stop; bash "$here/redis.sh" stop; bash "$here/pg.sh" stop ;;
  status) bash "$here/pg.sh" status; bash "$here/redis.sh" status; bash "$here/solr.sh" status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
