"""What the live sync and cascade tests share: reading a portal whole, and looking for leaks in
its database and Solr core."""
from __future__ import annotations

import urllib.request

import sqlalchemy as sa

from tests.live.conftest import Portal

DB = "postgresql://govopen:govopen@127.0.0.1:5433/govopen_{}"


def every(portal: Portal, token: str | None = None, **params) -> list[dict]:
    return portal.api("package_search", token, q="*:*", rows=1000, **params)["results"]


def restricted_urls(city: Portal) -> list[str]:
    """The addresses of the city's restricted resources, as its sysadmin sees them."""
    urls = [r["url"] for d in every(city, city.token) if d.get("open_category") != "unconditional"
            for r in city.api("package_show", city.token, id=d["id"])["resources"] if r.get("url")]
    assert urls, "the demo city has restricted resources with addresses"
    return urls


def leaks(portal: Portal, needles: list[str]) -> list[str]:
    """Every place in the portal's database and Solr core where a needle appears."""
    found = []
    engine = sa.create_engine(DB.format(portal.name))
    with engine.connect() as conn:
        columns = conn.execute(sa.text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')")).all()
        for table, column in columns:
            for needle in needles:
                hit = conn.execute(sa.text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :n'),
                                   {"n": f"%{needle}%"}).scalar()
                if hit:
                    found.append(f"db {table}.{column}: {needle}")
    engine.dispose()
    with urllib.request.urlopen(f"http://127.0.0.1:8983/solr/govopen_{portal.name}/select?q=*:*&rows=10000&wt=json") as res:
        solr = res.read().decode()
    found += [f"solr: {n}" for n in needles if n in solr or n.replace("/", "\\/") in solr]
    return found
