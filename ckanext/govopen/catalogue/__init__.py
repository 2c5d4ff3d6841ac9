"""The catalogue: what each entry must carry under the national template and the regulations,
and the template's spreadsheets in and out.

Pure (no CKAN imports): `categories` (open and share categories, their conditions and basis,
change rules), `codes` (catalogue, classification, region, credit and ID codes), `dcat_terms`,
`template` (the template's columns, cells and data items, both ways) and `spreadsheet` (XLSX
through openpyxl, CSV in UTF-8/GBK/GB18030). CKAN glue: `hooks` (category-change history,
indexing, facets), `dcat` (the DCAT profile), `importer` (validate and write a file's rows),
`report_file`, `jobs` (the upload page's background import) and `export` (what a user may list,
as a file). Validators wrapping the rules are in `logic/validators.py`, the schemas in `schemas/`.
"""
