"""The department scorecard (考核): figures per department and period.

Pure: `figures` (freshness, completeness, upkeep, requests on time, openness, the weighted
ranking). Glue: `collect` (the queries behind catalogue health, the scorecard, its frozen
snapshots and the public figures), `export` (the table, CSV and XLSX), `tiers` (the portals
below, read through their public figures). Actions in `logic/action/scorecard.py`; pages in
`views/scorecard.py`.
"""
