"""The DataStore: tables of open data behind the access gate.

Pure: `sql` (which SQL functions datastore_search_sql may call). Glue: none yet beyond the
plugin's configuration (the allowlist file it points CKAN's DataStore at). The DataStore's own
auth asks `resource_show`, which the access gate answers, so every DataStore path follows the
gate; tests/datastore/ proves it path by path.
"""
