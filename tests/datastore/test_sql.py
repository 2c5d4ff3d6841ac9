"""Which functions datastore_search_sql may call (pure), and the list the portal ships."""
import pathlib

import ckanext.datastore

from ckanext.govopen.datastore import sql

SHIPPED = pathlib.Path(sql.__file__).with_name("allowed_functions.txt")


def test_functions_that_run_sql_text_or_read_by_name_are_refused():
    kept = sql.allowlist(["abs", "ts_rewrite", "TS_STAT", '"query_to_xml"', "  lower  ", "", "table_to_xml"])
    assert kept == ["abs", "lower"]


def test_the_shipped_list_is_ckans_without_them():
    # Fails when CKAN's stock list changes: review what it added, then regenerate the file with
    # sql.allowlist (see the module's docstring).
    stock = pathlib.Path(ckanext.datastore.__file__).with_name("allowed_functions.txt").read_text().splitlines()
    assert SHIPPED.read_text().splitlines() == sql.allowlist(stock)
    assert "ts_rewrite" in {line.strip() for line in stock} and "ts_rewrite" not in SHIPPED.read_text().split()
