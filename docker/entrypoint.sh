#!/usr/bin/env bash
# Entrypoint of the govopen image (docker/Dockerfile): renders $CKAN_INI (/etc/ckan/ckan.ini) from
# the environment, then runs the role named by the first argument:
#   web        database migrations, then gunicorn (GUNICORN_WORKERS, default 4) on :5000
#   worker     ckan jobs worker (sends the mail)
#   gather     ckan govopen sync consume gather   (upward sync; one or more)
#   fetch      ckan govopen sync consume fetch    (upward sync; one or more)
#   scheduler  every GOVOPEN_SWEEP_MINUTES (5): sla-sweep, harvester run, forward; every
#              GOVOPEN_REPORT_EVERY sweeps (12, hourly): report --all; once a day: freeze the
#              scorecard of the last closed quarter
#   anything else is exec'd as given (e.g. `ckan sysadmin add NAME`, `bash`)
# The settings are those of scripts/ckan.ini.in (the development template): keep the two in step.
set -euo pipefail

ini="${CKAN_INI:=/etc/ckan/ckan.ini}"
export CKAN_INI

die() { echo "entrypoint: $*" >&2; exit 1; }

need() { # NAME: the variable must be set and not empty
  [[ -n "${!1:-}" ]] || die "$1 is empty: set it in docker/.env (see docker/.env.example)"
}

need_password() { # NAME: a postgresql:// URL with a non-empty password
  need "$1"
  [[ "${!1}" =~ ^postgresql://[^:/@]+:[^@]+@ ]] ||
    die "$1 has no password (${!1%%@*}@…): set the database passwords in docker/.env"
}

render_config() {
  need CKAN_SECRET_KEY
  [[ "$CKAN_SECRET_KEY" != *%* ]] || die "CKAN_SECRET_KEY must not contain '%' (ini interpolation)"
  need GOVOPEN_IDENTIFIER_KEYS
  need CKAN_SITE_URL
  need_password CKAN_SQLALCHEMY_URL
  need_password CKAN_DATASTORE_WRITE_URL
  need_password CKAN_DATASTORE_READ_URL
  need CKAN_SOLR_URL
  need CKAN_REDIS_URL

  [[ -n "${CKAN_SMTP_SERVER:-}" ]] || echo "entrypoint: warning: CKAN_SMTP_SERVER is empty, mail goes to localhost:25 (nowhere)" >&2

  local tmp="$ini.tmp"
  ckan generate config "$tmp" >/dev/null
  local settings=(
    "SECRET_KEY=$CKAN_SECRET_KEY"
    "api_token.jwt.encode.secret=string:%(SECRET_KEY)s"
    "api_token.jwt.decode.secret=string:%(SECRET_KEY)s"
    "WTF_CSRF_SECRET_KEY=string:%(SECRET_KEY)s"
    "ckanext.govopen.identifier_keys=$GOVOPEN_IDENTIFIER_KEYS"
    "config.mode=strict"
    "SESSION_COOKIE_SECURE=true"

    "ckan.site_id=${CKAN_SITE_ID:-govopen}"
    "ckan.site_url=$CKAN_SITE_URL"
    "ckan.site_title=${CKAN_SITE_TITLE:-政府数据开放平台}"
    "ckan.site_description=${CKAN_SITE_DESCRIPTION:-政府数据共享开放平台}"

    "sqlalchemy.url=$CKAN_SQLALCHEMY_URL"
    "ckan.datastore.write_url=$CKAN_DATASTORE_WRITE_URL"
    "ckan.datastore.read_url=$CKAN_DATASTORE_READ_URL"
    "ckan.datastore.sqlsearch.enabled=true"
    "solr_url=$CKAN_SOLR_URL"
    "ckan.redis.url=$CKAN_REDIS_URL"
    "ckan.storage_path=/srv/govopen/storage"
    "ckan.max_resource_size=100"

    "ckan.plugins=${CKAN_PLUGINS:-govopen scheming_datasets scheming_organizations harvest govopen_harvester activity image_view datastore datatables_view dcat structured_data}"
    "scheming.dataset_schemas=ckanext.govopen.schemas:dataset.yaml"
    "scheming.organization_schemas=ckanext.govopen.schemas:organization.yaml"
    "scheming.presets=ckanext.scheming:presets.json ckanext.govopen.schemas:presets.yaml"
    "ckanext.dcat.rdf.profiles=euro_dcat_ap_3 govopen"
    "ckanext.dcat.structured_data.profiles=schemaorg govopen"

    "ckan.locale_default=zh_Hans_CN"
    "ckan.locales_offered=zh_Hans_CN en"
    "ckan.display_timezone=Asia/Shanghai"
    "ckan.auth.create_user_via_web=true"
    "ckan.auth.user_create_organizations=false"
    "ckan.auth.user_create_groups=false"
    "ckan.auth.public_user_details=false"
    "ckan.views.default_views=datatables_view"

    "ckanext.govopen.policy=${GOVOPEN_POLICY:-chaohu}"
    "ckanext.govopen.security.auditors=${GOVOPEN_AUDITORS:-}"
    "ckanext.govopen.security.administrators=${GOVOPEN_SECURITY_ADMINISTRATORS:-}"
    "ckanext.govopen.sync.tokens_file=/srv/govopen/sync/sync-tokens.json"
    "ckanext.govopen.sync.origins_file=/srv/govopen/sync/sync-origins.json"
    "ckanext.govopen.sync.targets_file=/srv/govopen/sync/sync-targets.json"
    "ckan.harvest.timeout=${CKAN_HARVEST_TIMEOUT:-60}"

    "smtp.server=${CKAN_SMTP_SERVER:-localhost:25}"
    "smtp.mail_from=${CKAN_SMTP_MAIL_FROM:-noreply@${CKAN_SITE_ID:-govopen}.portal.example.gov.cn}"
    "smtp.starttls=${CKAN_SMTP_STARTTLS:-false}"
  )
  [[ -z "${CKAN_SMTP_USER:-}" ]] || settings+=("smtp.user=$CKAN_SMTP_USER")
  [[ -z "${CKAN_SMTP_PASSWORD:-}" ]] || settings+=("smtp.password=$CKAN_SMTP_PASSWORD")
  ckan config-tool "$tmp" "${settings[@]}" >/dev/null
  # The config holds the secret key and the database passwords: readable by this user only.
  chmod 600 "$tmp"
  mv "$tmp" "$ini"
}

# The scorecard period that closed last: the previous quarter, e.g. 2025Q3 during 2025Q4.
last_closed_quarter() {
  local year month quarter
  year=$(TZ=Asia/Shanghai date +%Y)
  month=$(TZ=Asia/Shanghai date +%-m)
  quarter=$(( (month - 1) / 3 ))
  if (( quarter == 0 )); then echo "$((year - 1))Q4"; else echo "${year}Q${quarter}"; fi
}

scheduler() {
  local minutes="${GOVOPEN_SWEEP_MINUTES:-5}" report_every="${GOVOPEN_REPORT_EVERY:-12}"
  [[ "$minutes" =~ ^[1-9][0-9]*$ ]] || die "GOVOPEN_SWEEP_MINUTES must be a whole number of minutes"
  [[ "$report_every" =~ ^[1-9][0-9]*$ ]] || die "GOVOPEN_REPORT_EVERY must be a whole number"
  echo "scheduler: every ${minutes} min sla-sweep, harvester run, forward; report every ${report_every} sweeps"
  local n=1 frozen_on="" today
  trap 'exit 0' TERM INT
  while true; do
    # One failing step is logged and does not stop the loop (as scripts/scheduler.sh).
    ckan govopen sla-sweep --quiet || echo "scheduler: sla-sweep failed" >&2
    ckan harvester run >/dev/null || echo "scheduler: harvester run failed" >&2
    ckan govopen forward --quiet || echo "scheduler: forward failed" >&2
    if (( n % report_every == 0 )); then
      ckan govopen report --all --quiet || echo "scheduler: report failed" >&2
    fi
    today=$(TZ=Asia/Shanghai date +%F)
    if [[ "$today" != "$frozen_on" ]]; then
      # Kept as it is when already frozen; an error is only logged.
      ckan govopen scorecard freeze "$(last_closed_quarter)" || true
      frozen_on="$today"
    fi
    n=$((n + 1))
    sleep $((minutes * 60)) & wait $!
  done
}

role="${1:-web}"
case "$role" in
  web|worker|gather|fetch|scheduler) render_config ;;
  *) if [[ -n "${CKAN_SECRET_KEY:-}" ]]; then render_config; fi ;;  # e.g. `ckan …` in the container
esac

case "$role" in
  web)
    shift || true
    # Core, activity, harvest and govopen migrations. Several web containers starting at once
    # each run it; scale web up after the first one is healthy.
    ckan db upgrade
    exec gunicorn --workers "${GUNICORN_WORKERS:-4}" --bind 0.0.0.0:5000 \
      --timeout "${GUNICORN_TIMEOUT:-120}" \
      --access-logfile - --error-logfile - --chdir /srv/app "$@" wsgi:application
    ;;
  worker) exec ckan jobs worker ;;
  gather|fetch) exec ckan govopen sync consume "$role" ;;
  scheduler) scheduler ;;
  *) exec "$@" ;;
esac
