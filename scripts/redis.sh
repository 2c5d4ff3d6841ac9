#!/usr/bin/env bash
# The project's own Redis 7, on 127.0.0.1:$REDIS_PORT, data in .local/redis.
# Usage: scripts/redis.sh start|stop|status
source "$(dirname "$0")/lib.sh"
DIR="$GOVOPEN_LOCAL/redis"
answering() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
case "${1:-}" in
  start)
    if answering; then step "Redis already answering on 127.0.0.1:$REDIS_PORT, reusing it"; exit 0; fi
    command -v redis-server >/dev/null || die "Redis is not installed: run scripts/deps.sh"
    mkdir -p "$DIR"
    step "Starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR" --daemonize yes \
      --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --save "" --appendonly no
    wait_for "Redis" 20 answering
    ;;
  stop)
    if [[ -f "$DIR/redis.pid" ]] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; then
      step "Stopping Redis"; kill "$(cat "$DIR/redis.pid")"; rm -f "$DIR/redis.pid"
    fi
    ;;
  status) answering && echo "Redis answering on 127.0.0.1:$REDIS_PORT" || { echo "Redis not running"; exit 1; } ;;
  *) die "usage: $0 start|stop|status" ;;
esac
