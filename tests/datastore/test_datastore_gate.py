"""The access gate on every DataStore path: every role × every open and share category ×
datastore_search (plain and full text), datastore_info, datastore_search_sql (the table, a join,
a sub-query, a CTE, and functions that run SQL given as text: the CVE-2026-42032 class), the dump
in every format, the API info page and the table preview's data feed.

The DataStore's auth asks CKAN's resource_show, which the gate answers; these cases prove it on
each path, with a secret value in each table. Expectations come from the gate matrix's rule
(tests/access/gate/test_matrix.py), not from the code under test. The DataStore runs on its own
database (test.ini), read by the read-only user that `make test` creates (scripts/pg.sh datastore).
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as plugins
from ckan.common import config
from ckan.tests import helpers

from tests.access.gate.test_matrix import CATEGORIES, ROLES, Case, _grant, _key, every_cell, expected, people
from tests.conftest import reset_and_migrate

_BASE = config["ckan.plugins"]
PLUGINS = " ".join([*(_BASE if isinstance(_BASE, list) else _BASE.split()), "datastore", "datatables_view"])
pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins")]

DUMP_FORMATS = ("csv", "tsv", "json", "xml")


def clear_datastore() -> None:
    """Drop every table of the DataStore database (not CKAN's own helper tables)."""
    from ckanext.datastore.backend.postgres import get_write_engine

    with get_write_engine().begin() as conn:
        names = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                     "AND tablename NOT LIKE '\\_%'")).scalars().all()
        for name in names:
            conn.execute(sa.text(f'DROP TABLE "{name}" CASCADE'))


@pytest.fixture(scope="module")
def world(reset_db, reset_index):
    """One portal with a DataStore table per category pair, each holding a secret value."""
    saved = config["ckan.plugins"]
    config["ckan.plugins"] = PLUGINS
    plugins.load_all()
    reset_and_migrate(reset_db)
    reset_index()
    clear_datastore()
    owner, granted, users = people("ds-", first_code=301)
    admin = {"user": users["sysadmin"]["name"]}
    tables = {}
    for i, (open_cat, share_cat) in enumerate(CATEGORIES, 1):
        secret = "".join(chr(ord("a") + int(ch, 16)) for ch in uuid.uuid4().hex)
        pkg = helpers.call_action("package_create", context=dict(admin), name=f"ds-{_key(open_cat, share_cat)}",
                                  title=f"数据表 {i}", owner_org=owner["id"], resource_class="department",
                                  catalogue_code=f"307002/{i:06d}", update_frequency="monthly",
                                  open_category=open_cat or "unconditional", share_category=share_cat or "unconditional",
                                  open_conditions="条件", open_legal_basis="依据", share_conditions="条件",
                                  share_legal_basis="依据")
        res = helpers.call_action("resource_create", context=dict(admin), package_id=pkg["id"], name="表",
                                  url="https://data.example.gov.cn/table.csv", format="CSV")
        helpers.call_action("datastore_create", context=dict(admin), resource_id=res["id"], force=True,
                            fields=[{"id": "value", "type": "text"}, {"id": "n", "type": "int"}],
                            records=[{"value": secret, "n": 1}])
        view = helpers.call_action("resource_view_create", context=dict(admin), resource_id=res["id"],
                                   view_type="datatables_view", title="表格预览")
        if open_cat is None:  # categories lost behind the portal's back: closed
            row = model.Package.get(pkg["id"])
            row.extras = {k: v for k, v in row.extras.items() if k not in ("open_category", "share_category")}
            model.Session.commit()
            from ckan.lib.search import rebuild
            rebuild(pkg["id"])
        _grant(pkg, "open_application", "user", users["user_grant_holder"]["id"], users["user_grant_holder"]["id"],
               owner["id"])
        _grant(pkg, "share_application", "department", granted["id"], users["department_grant_holder"]["id"],
               owner["id"])
        tables[(open_cat, share_cat)] = {"pkg": pkg, "rid": res["id"], "view": view["id"], "secret": secret}
    yield {"users": users, "tables": tables, "public": tables[("unconditional", "unconditional")]["rid"]}
    clear_datastore()
    plugins.unload_all()
    config["ckan.plugins"] = saved


def _headers(world, role):
    return {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}


def _sql(c: Case, sql: str):
    return c.app.get("/api/3/action/datastore_search_sql", headers=c.headers, params={"sql": sql}, status=None)


@pytest.mark.parametrize("role", ROLES)
def test_datastore_gate(world, app, role):
    every_cell(_cell, world, app, role)


def _cell(world, app, role, categories) -> list[str]:
    t = world["tables"][categories]
    rid, secret, pub = t["rid"], t["secret"], world["public"]
    allowed = expected(role, *categories)
    c = Case(app, _headers(world, role), secret, allowed)

    def got(res) -> bool:
        return res.status_code == 200 and secret in res.get_data(as_text=True)

    def get(url, **params):
        return app.get(url, headers=c.headers, params=params, status=None)

    c.expect("datastore_search", got(get("/api/3/action/datastore_search", resource_id=rid)), allowed)
    c.expect("datastore_search q", got(get("/api/3/action/datastore_search", resource_id=rid, q=secret)), allowed)
    c.expect("datastore_search filters",
             got(get("/api/3/action/datastore_search", resource_id=rid, filters=f'{{"value": "{secret}"}}')), allowed)
    info = get("/api/3/action/datastore_info", id=rid)
    c.expect("datastore_info", info.status_code == 200, allowed)
    # SQL: the table, joined to an open one, in a sub-query, in a CTE. Each names the table, so
    # CKAN's table check (through the gate) refuses the whole query where the table is closed.
    c.expect("sql table", got(_sql(c, f'SELECT * FROM "{rid}"')), allowed)
    c.expect("sql join", got(_sql(c, f'SELECT o.n, r.value FROM "{pub}" o JOIN "{rid}" r ON o.n = r.n')), allowed)
    sub = _sql(c, f'SELECT n FROM "{pub}" WHERE EXISTS (SELECT 1 FROM "{rid}" r WHERE r.value = \'{secret}\')')
    c.expect("sql sub-query answers", sub.status_code == 200, allowed)
    # CKAN takes a CTE's name for a table and refuses it even where the table is open: never more.
    c.never_unless("sql cte", got(_sql(c, f'WITH x AS (SELECT value FROM "{rid}") SELECT * FROM x')), allowed)
    # Functions that run SQL handed over as text: the table never appears in the plan CKAN
    # checks. Refused outright (govopen's allowlist); never an answer holding the secret.
    for label, sql in (
            ("ts_rewrite", f"SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, "
                           f"to_tsquery(value) FROM \"{rid}\"')"),
            ("query_to_xml", f"SELECT query_to_xml('SELECT * FROM \"{rid}\"', true, true, '')"),
            ("table_to_xml", f"SELECT table_to_xml('\"{rid}\"'::regclass, true, true, '')"),
            ("database_to_xml", "SELECT database_to_xml(true, true, '')")):
        res = _sql(c, sql)
        c.never_unless(f"sql {label}", secret in res.get_data(as_text=True), role == "sysadmin")
        if role != "sysadmin":
            c.expect(f"sql {label} refused", res.status_code == 200, False)
    for fmt in DUMP_FORMATS:
        c.expect(f"dump {fmt}", got(get(f"/datastore/dump/{rid}", format=fmt)), allowed)
    # The data-API help page (endpoint and calls in curl, Python, JavaScript, R): for open tables only.
    c.expect("api info page", get(f"/datastore/api_info/{rid}").status_code == 200, allowed)
    # The preview's data feed, posted as the preview page's script does (with its CSRF token).
    token = re.search(r'name="_csrf_token" content="([^"]+)"', get("/user/login").get_data(as_text=True)).group(1)
    feed = app.post(f"/datatables/ajax/{t['view']}", headers={**c.headers, "X-CSRFToken": token}, status=None,
                    data={"draw": "1", "start": "0", "length": "10", "search[value]": ""})
    c.expect("table preview feed", got(feed), allowed)
    return [f"{role} × {categories}: {failure}" for failure in c.failures]


def test_a_downgrade_closes_the_table_at_once(world, app):
    t = world["tables"][("unconditional", "unconditional")]
    citizen = _headers(world, "citizen")
    search = f"/api/3/action/datastore_search?resource_id={t['rid']}"
    assert t["secret"] in app.get(search, headers=citizen).get_data(as_text=True)
    helpers.call_action("package_patch", context={"user": world["users"]["sysadmin"]["name"]}, id=t["pkg"]["id"],
                        open_category="not_open", open_legal_basis="《统计法》第二十五条",
                        category_change_reason="含个人信息，停止开放")
    try:
        assert app.get(search, headers=citizen, status=None).status_code == 403
        assert app.get(f"/datastore/dump/{t['rid']}", headers=citizen, status=None).status_code in (403, 404)
        res = app.get("/api/3/action/datastore_search_sql", headers=citizen, status=None,
                      params={"sql": f'SELECT * FROM "{t["rid"]}"'})
        assert res.status_code == 403
    finally:
        helpers.call_action("package_patch", context={"user": world["users"]["sysadmin"]["name"]},
                            id=t["pkg"]["id"], open_category="unconditional", category_change_reason="恢复开放")


def test_the_read_only_user_can_write_nothing_and_read_no_other_database(world):
    engine = sa.create_engine(config["ckan.datastore.read_url"])
    rid = world["public"]
    with engine.connect() as conn:
        assert conn.execute(sa.text(f'SELECT count(*) FROM "{rid}"')).scalar() == 1
    for statement in (f'INSERT INTO "{rid}" (value, n) VALUES (\'x\', 2)', f'DELETE FROM "{rid}"',
                      'CREATE TABLE intruder (x int)', f'DROP TABLE "{rid}"'):
        with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError):
            conn.execute(sa.text(statement))
    main = sa.engine.make_url(config["sqlalchemy.url"])
    other = sa.engine.make_url(config["ckan.datastore.read_url"]).set(database=main.database)
    with pytest.raises(sa.exc.OperationalError):
        sa.create_engine(other).connect()
    engine.dispose()
