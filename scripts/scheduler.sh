#!/usr/bin/env bash
# The background side of one portal: the deadline sweep and the harvest scheduler every few
# minutes, a CKAN jobs worker (it sends the mail), the harvest gather and fetch consumers
# (upward sync), and a development mail catcher that keeps every mail in a Maildir.
# Usage: scripts/scheduler.sh start|stop|status NAME
#   GOVOPEN_SWEEP_MINUTES  minutes between sweeps (default 5)
#   GOVOPEN_REPORT_EVERY   sweeps between push reports to the tier above (default 12: hourly,
#                          the first one an hour after start)
# Mail lands in .local/mail/NAME/new/ (one file per message; the portal's smtp.server points there).
source "$(dirname "$0")/lib.sh"
cmd="${1:-}"; name="${2:-}"
[[ -n "$cmd" && -n "$name" ]] || die "usage: $0 start|stop|status NAME"
dir="$GOVOPEN_LOCAL/portals/$name"
ini="$dir/ckan.ini"
minutes="${GOVOPEN_SWEEP_MINUTES:-5}"
report_every="${GOVOPEN_REPORT_EVERY:-12}"
maildir="$GOVOPEN_LOCAL/mail/$name"

alive() { [[ -f "$dir/$1.pid" ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

launch() { # NAME COMMAND...: start COMMAND in the background unless it runs already
  local what="$1"; shift
  if alive "$what"; then note "$what already running"; return; fi
  nohup "$@" >"$dir/$what.log" 2>&1 </dev/null &
  echo $! >"$dir/$what.pid"
  note "$what started (log: $dir/$what.log)"
}

start() {
  [[ -f "$ini" ]] || die "no portal $name (scripts/portal.sh up $name PORT first)"
  local smtp_port
  smtp_port=$(sed -n 's/^smtp.server = 127.0.0.1://p' "$ini")
  step "Background work of portal $name: sweep and harvest runs every ${minutes} min, jobs worker, harvest consumers, mail catcher on :$smtp_port"
  mkdir -p "$maildir"/{tmp,new,cur}
  launch mailcatcher "$GOVOPEN_VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" \
    -c aiosmtpd.handlers.Mailbox "$maildir"
  launch worker "$GOVOPEN_VENV/bin/ckan" -c "$ini" jobs worker
  # govopen's consumers: ckanext-harvest's own die on an idle queue with redis-py 8.
  launch gather "$GOVOPEN_VENV/bin/ckan" -c "$ini" govopen sync consume gather
  launch fetch "$GOVOPEN_VENV/bin/ckan" -c "$ini" govopen sync consume fetch
  # setsid: the loop and its sleeps form one process group, which stop kills whole.
  # `harvester run` starts scheduled and requested harvest jobs and closes finished ones;
  # `govopen forward` sends applications for copies to their origins and brings back their answers;
  # `govopen report --all` reports the catalogue to the targets of ckanext.govopen.sync.targets_file.
  launch sweep setsid bash -c "n=1; while true; do '$GOVOPEN_VENV/bin/ckan' -c '$ini' govopen sla-sweep --quiet; '$GOVOPEN_VENV/bin/ckan' -c '$ini' harvester run >/dev/null; '$GOVOPEN_VENV/bin/ckan' -c '$ini' govopen forward --quiet; if (( n % $report_every == 0 )); then '$GOVOPEN_VENV/bin/ckan' -c '$ini' govopen report --all --quiet; fi; n=\$((n + 1)); sleep $((minutes * 60)); done"
  note "mail: $maildir/new/"
}

stop() {
  local what pid
  for what in sweep gather fetch worker mailcatcher; do
    if alive "$what"; then
      pid=$(cat "$dir/$what.pid")
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      note "$what of $name stopped"
    fi
    rm -f "$dir/$what.pid"
  done
}

status() {
  local what
  for what in sweep gather fetch worker mailcatcher; do
    if alive "$what"; then echo "$what: running"; else echo "$what: stopped"; fi
  done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "unknown command $cmd" ;;
esac
