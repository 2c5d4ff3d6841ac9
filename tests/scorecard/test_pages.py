"""The scorecard's pages over HTTP in CKAN's test app: the data authority's page, its exports
and printable report, change events through the form, the yearly review form, and the public
figures on the statistics page."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.govopen.model import Attestation, ChangeEvent
from ckanext.govopen.requests import store
from tests.scorecard.conftest import ADMIN

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


@pytest.fixture
def people(world):
    admin, editor, stranger = factories.User(), factories.User(), factories.User()
    for user, capacity in ((admin, "admin"), (editor, "editor")):
        helpers.call_action("organization_member_create", context=dict(ADMIN), id="tidy", username=user["name"],
                            role=capacity)
    return {"authority": _token(model.User.get(ADMIN["user"]).as_dict()), "admin": _token(admin),
            "editor": _token(editor), "stranger": _token(stranger)}


def test_the_authoritys_page(app, people):
    body = app.get("/scorecard/?period=2025Q2", headers=people["authority"]).get_data(as_text=True)
    assert 'id="govopen-scorecard-table"' in body and "整洁局" in body and "杂乱局" in body
    assert 'id="govopen-score-chart"' in body and "/govopen/vendor/chart.umd.min.js" in body
    assert 'value="2025Q2" selected' in body
    # the default period is the last closed quarter
    today = store.today()
    expected = f"{today.year - 1}Q4" if today.month <= 3 else f"{today.year}Q{(today.month - 1) // 3}"
    assert f'value="{expected}" selected' in app.get("/scorecard/", headers=people["authority"]).get_data(as_text=True)
    assert app.get("/scorecard/", headers=people["stranger"]).status_code == 403
    assert app.get("/scorecard/?period=2025Q9", headers=people["authority"]).status_code == 400
    anonymous = app.get("/scorecard/", follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]


def test_exports_hold_the_tables_figures(app, people):
    res = app.get("/scorecard/export.csv?period=2025Q2", headers=people["authority"])
    assert res.headers["Content-Type"].startswith("text/csv") and "attachment" in res.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(res.get_data().decode("utf-8-sig"))))
    header, tidy = rows[0], rows[1]
    assert len(rows) == 3 and tidy[1] == "整洁局" and tidy[0] == "1"
    # freshness at 06-30: 3 of the 4 entries (private included for the authority)
    assert (header[3], tidy[3]) == ("更新及时的目录（%）", "75")
    res = app.get("/scorecard/export.xlsx?period=2025Q2", headers=people["authority"])
    sheet = openpyxl.load_workbook(io.BytesIO(res.get_data())).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == header
    # the figures are numbers there (a spreadsheet sums them), the same figures as the CSV's text
    assert values[1][0] == 1 and values[1][3] == 75 and isinstance(values[1][3], (int, float))
    assert isinstance(values[1][1], str)
    assert [("" if v is None else f"{v:g}" if isinstance(v, (int, float)) else v) for v in values[1]] == tidy
    assert app.get("/scorecard/export.pdf", headers=people["authority"]).status_code == 404
    assert app.get("/scorecard/export.csv", headers=people["stranger"]).status_code == 403


def test_the_printable_report(app, people):
    body = app.get("/scorecard/report?period=2025Q2", headers=people["authority"]).get_data(as_text=True)
    assert "@page { size: A4 landscape" in body and "data-govopen-print" in body and "整洁局" in body
    assert "onclick" not in body  # the print button is bound by the page's script file


def test_change_events_through_the_form(app, people):
    bad = app.post("/scorecard/change-events?period=2025Q4", headers=people["authority"],
                   data={"organization": "", "happened": "2025-02-30", "reason": ""})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200
    for field in ("organization", "happened", "reason"):
        assert f'id="error-{field}"' in body
    assert model.Session.query(ChangeEvent).count() == 0
    ok = app.post("/scorecard/change-events?period=2025Q4", headers=people["authority"], follow_redirects=False,
                  data={"organization": "tidy", "happened": "2025-09-26", "reason": "《条例》修订"})
    assert ok.status_code == 302 and "period=2025Q4" in ok.headers["Location"]
    event = model.Session.query(ChangeEvent).one()
    body = app.get("/scorecard/?period=2025Q4", headers=people["authority"]).get_data(as_text=True)
    assert "《条例》修订" in body and "2025-10-16" in body
    assert app.post("/scorecard/change-events", headers=people["admin"],
                    data={"organization": "tidy", "happened": "2025-09-26", "reason": "x"}).status_code == 403
    assert app.post(f"/scorecard/change-events/{event.id}/delete", headers=people["admin"]).status_code == 403
    app.post(f"/scorecard/change-events/{event.id}/delete", headers=people["authority"])
    assert model.Session.query(ChangeEvent).count() == 0


def test_the_yearly_review_form(app, people):
    assert app.get("/scorecard/review", headers=people["editor"]).status_code == 403
    assert app.get("/scorecard/review?organization=messy", headers=people["admin"]).status_code == 403
    body = app.get("/scorecard/review", headers=people["admin"]).get_data(as_text=True)
    assert 'name="statement"' in body
    year = store.today().year
    res = app.post("/scorecard/review?organization=tidy", headers=people["admin"], follow_redirects=False,
                   data={"year": str(year), "statement": "已复核"})
    assert res.status_code == 302
    row = model.Session.query(Attestation).one()
    assert (row.year, row.statement) == (year, "已复核")
    res = app.post("/scorecard/review?organization=tidy", headers=people["admin"], data={"year": "1990"})
    assert 'id="error-year"' in res.get_data(as_text=True)


def test_public_figures_by_department(app, world):
    body = app.get("/openness").get_data(as_text=True)
    table = body[body.index('id="govopen-department-health"'):]
    table = table[:table.index("</table>")]
    assert "整洁局" in table and "杂乱局" in table
    # tidy: 3 public entries (the private one is not counted); messy: 1
    tidy_row = table[table.index("整洁局"):].split("</tr>")[0]
    assert '<td class="text-end">3</td>' in tidy_row
