"""The department scorecard (考核): figures per department and period.

Pure: `figures` (freshness, completeness, upkeep, requests on time, openness, the weighted
ranking). Glue: `collect` (the queries behind catalogue health and the scorecard). Actions:
`govopen_catalogue_health`, `govopen_scorecard`.
Not built yet (issue #18): change events, snapshots, pages, exports, figures for the upper tiers.
"""
