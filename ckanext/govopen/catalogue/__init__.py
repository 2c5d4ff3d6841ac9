"""The catalogue: what each entry must carry under the national template and the regulations.

Pure (no CKAN imports): `categories` (open and share categories, their conditions and basis,
change rules) and `codes` (catalogue, classification, region, credit and ID codes). CKAN glue:
`hooks` (category-change history, indexing, facets). Validators wrapping the rules are in
`logic/validators.py`, the schemas in `schemas/`.
"""
