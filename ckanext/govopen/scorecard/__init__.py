"""The department scorecard (考核): figures per department and period.

Pure: `figures` (freshness, completeness, upkeep, requests on time, openness, the weighted
ranking). Glue, actions and pages: not built yet (issue #18).
"""
