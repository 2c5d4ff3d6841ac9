#!/usr/bin/env bash
# Writes the Solr configset of the compose deployment into docker/solr-configset/conf/ (or DIR/conf):
# the files scripts/solr.sh core puts into a development core's conf/, from the same sources:
#   schema.xml      ckanext/govopen/solr/schema.py, from the installed CKAN 2.12's schema (Chinese-aware)
#   solrconfig.xml  ckanext/govopen/solr/solrconfig.xml
#   protwords.txt, synonyms.txt, stopwords.txt   empty on purpose (the schema may refer to them)
# Usage: docker/solr-configset.sh [DIR]    (run from a checkout whose .venv has CKAN 2.12,
#        or with GOVOPEN_VENV pointing at one: `make deps` / scripts/deps.sh makes it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/docker/solr-configset}/conf"
mkdir -p "$out"
"${GOVOPEN_VENV:-$root/.venv}/bin/python" -m ckanext.govopen.solr.schema --configset "$(dirname "$out")" >/dev/null
# The solr image runs as uid 8983: the files must be readable by it.
chmod -R a+rX "$out/.."
echo "Solr configset written to $out: $(cd "$out" && echo *)"
