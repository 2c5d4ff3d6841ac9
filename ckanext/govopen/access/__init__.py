"""Who may have a resource (its URL, file, views, data), and where that is enforced.

Pure (no CKAN imports): `decision` (the one rule, may_access) and `serving` (how uploaded files
are served). CKAN glue: `gate` (gathers the facts, applies the decision on every path).
"""
