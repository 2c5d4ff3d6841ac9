"""The security baseline (等保 2.0 level 3, GB/T 39477): response headers, login throttling and
the security audit log.

Pure: `headers` (the Content-Security-Policy and the other headers, per page), `throttle`
(the login counting rules). Glue: `login` (Redis counters and CKAN's login signals), `audit`
(the append-only security event table). Hooks in `views/guards.py` and `plugin.py`.
"""
