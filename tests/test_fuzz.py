"""Fuzz every govopen action, desk page and the dataset form with wrong types and odd Unicode
(security issue #11, item 9): whatever a client sends, the answer is never a 500.

Over HTTP, in CKAN's test app against the real database and Solr: the actions are discovered
from the plugin (a new `govopen_*` action is fuzzed without touching this file), their
parameters from their validation schema and docstring. One test per action (or page family)
loops over every hostile payload and role and reports all the failures at once, each named
by action, role, field and payload, with the last lines of its traceback.
"""
from __future__ import annotations

import datetime
import inspect
import json
import logging
import re
import traceback
from typing import Any, Callable, Iterable
from urllib.parse import quote

import pytest

import ckan.model as model
from ckan.tests import factories

from ckanext.govopen.logic import action as govopen_actions
from ckanext.govopen.logic import schema as govopen_schema
from tests.requests_support import application, approve, call

pytestmark = pytest.mark.usefixtures("with_plugins")


# --- what a hostile client sends ------------------------------------------------------------

LONG_ASCII = "x" * 40000          # one 40 KB term: Solr refuses terms over 32 KB
LONG_CHINESE = "中" * 20000        # 60 KB of UTF-8, no spaces
LONE_SURROGATE = "\ud800"          # json.dumps writes it as the raw JSON text "\ud800"

HOSTILE: list[tuple[str, Any]] = [
    ("NUL", "\u0000"),
    ("a-NUL-b", "a\u0000b"),
    ("lone-surrogate", LONE_SURROGATE),
    ("surrogate-in-text", "ab\udfffcd"),
    ("list", ["list"]),
    ("list-of-NUL", ["\u0000"]),
    ("dict", {"a": 1}),
    ("empty", ""),
    ("null", None),
    ("true", True),
    ("huge-int", 10 ** 30),
    ("minus-one", -1),
    ("huge-float", 1e308),
    ("date-9999-12-31", "9999-12-31"),
    ("date-0000-00-00", "0000-00-00"),
    ("iso-week-date", "2027-W30-1"),
    ("40KB-ascii", LONG_ASCII),
    ("20K-chinese", LONG_CHINESE),
    ("rtl-override-zwsp", "\u202e\u200b"),
    ("script", "<script>"),
]


def dumps(payload: Any) -> str:
    """The JSON text sent: Python's json writes a lone surrogate as the escape "\\ud800", which
    is what a hostile client would send (it decodes back to an unpaired surrogate)."""
    text = json.dumps(payload)
    assert "\ud800" not in text  # ensure_ascii: escapes, not raw surrogates
    return text


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}...({len(text)} chars)"


def tail(tb: str, lines: int = 8) -> str:
    return "\n".join("      " + line for line in tb.strip().splitlines()[-lines:])


class Failures:
    """The 500s (and uncaught exceptions) of one test, reported together."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")

    def check(self) -> None:
        assert not self.items, f"{len(self.items)} hostile input(s) gave a 500:\n" + "\n".join(self.items)


def _reset_session() -> None:
    """After an exception escaped a request, no aborted transaction may poison the next one."""
    try:
        model.Session.rollback()
    except Exception:  # noqa: BLE001
        pass
    model.Session.remove()


class _Logged(logging.Handler):
    """The tracebacks CKAN logs while it turns an exception into a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        out = []
        for r in self.records:
            if r.exc_info:
                out.append("".join(traceback.format_exception(*r.exc_info)))
            else:
                out.append(r.getMessage())
        return "\n".join(out)


def send(failures: Failures, where: str, do: Callable[[], Any], json_api: bool) -> Any:
    """Run one request; record a 5xx or an escaped exception (with its traceback's tail)."""
    logged = _Logged()
    # CKAN's API logs the exception behind its 500 on this logger (which the ini may have disabled).
    api_log = logging.getLogger("ckan.views.api")
    was_disabled = api_log.disabled
    api_log.disabled = False
    api_log.addHandler(logged)
    try:
        res = do()
    except Exception:  # noqa: BLE001  (the test app may propagate view exceptions)
        failures.add(where, "exception\n" + tail(traceback.format_exc()))
        _reset_session()
        return None
    finally:
        api_log.removeHandler(logged)
        api_log.disabled = was_disabled
    status = res.status_code
    body = res.get_data(as_text=True)
    if status >= 500:
        failures.add(where, f"HTTP {status}\n" + tail(logged.text() or body[:300]))
        _reset_session()
    elif json_api and status >= 400:
        try:
            doc = json.loads(body)
        except ValueError:
            failures.add(where, f"HTTP {status} but not JSON: {body[:200]!r}")
        else:
            if not isinstance(doc, dict) or doc.get("success") is not False:
                failures.add(where, f"HTTP {status} without success: false: {body[:200]!r}")
    return res


# --- the actions, from the plugin itself ----------------------------------------------------

def discover_actions() -> list[str]:
    return sorted(name for name in govopen_actions.__all__ if name.startswith("govopen_"))


ACTIONS = discover_actions()


def _schema_funcs(fn: Callable) -> Iterable[Callable]:
    """The schema functions the action validates with (tk.validate keeps it in a closure)."""
    seen: set[int] = set()
    stack = [fn]
    while stack:
        f = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        if getattr(f, "__module__", None) == govopen_schema.__name__ and inspect.isfunction(f):
            yield f
        if getattr(f, "__wrapped__", None) is not None:
            stack.append(f.__wrapped__)
        for cell in getattr(f, "__closure__", None) or ():
            try:
                stack.append(cell.cell_contents)
            except ValueError:
                continue
            if not callable(stack[-1]):
                stack.pop()


def action_params(name: str) -> list[str]:
    """Every parameter the action documents or validates, plus `id` (everyone tries it)."""
    fn = getattr(govopen_actions, name)
    params: set[str] = {"id"}
    params.update(re.findall(r":param\s+(\w+)\s*:", inspect.getdoc(fn) or ""))
    for func in [*_schema_funcs(fn), getattr(govopen_schema, name, None)]:
        if callable(func):
            params.update(k for k in func() if not k.startswith("__"))
    return sorted(params)


def test_discovery_finds_the_govopen_actions():
    assert ACTIONS, "no govopen_* action discovered"
    for name in ("govopen_request_create", "govopen_request_list", "govopen_deadline"):
        assert name in ACTIONS
    params = action_params("govopen_request_list")
    assert {"limit", "offset", "kind", "status"} <= set(params)
    assert {"kind", "start"} <= set(action_params("govopen_deadline"))
    assert {"dataset_id", "applicant_name", "resource_ids"} <= set(action_params("govopen_request_create"))


# --- the world --------------------------------------------------------------------------

@pytest.fixture
def world(portal):  # noqa: F811
    """The request city, one open request, one decided with a grant, and everyone's token."""
    tokens = {"anonymous": {}}
    for name in ("citizen", "editor", "supervisor", "admin"):
        tokens[name] = {"Authorization": factories.APIToken(user=portal[name]["name"])["token"]}
    outsider = factories.UserWithToken()
    tokens["outsider"] = {"Authorization": outsider["token"]}
    open_req = call("govopen_request_create", portal["citizen"], **application(portal))
    decided = call("govopen_request_create", portal["citizen"], **application(portal))
    decided = approve(portal, decided)
    grants = call("govopen_grant_list", portal["admin"], include_inactive=True)["results"]
    model.Session.remove()
    return {"portal": portal, "tokens": tokens, "open": open_req, "decided": decided,
            "grant_id": grants[0]["id"] if grants else decided["id"]}


def base_payload(name: str, w: dict[str, Any]) -> dict[str, Any]:
    """A valid call, so each hostile value reaches as deep as it can."""
    p = w["portal"]
    today = datetime.date.today().isoformat()
    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    req = {"id": w["open"]["id"]}
    bases: dict[str, dict[str, Any]] = {
        "govopen_deadline": {"kind": "open_application", "start": today},
        "govopen_category_change_list": {"id": p["ds"]["name"]},
        "govopen_request_create": application(p),
        "govopen_request_show": req,
        "govopen_request_accept": {**req, "note": "受理"},
        "govopen_request_ask_info": {**req, "note": "请补充"},
        "govopen_request_respond": {**req, "note": "已补充"},
        "govopen_request_withdraw": {**req, "note": "撤回"},
        "govopen_request_decide": {**req, "decision": "approve", "expires": expires,
                                   "resource_ids": [p["r1"]["id"]], "conditions": "仅限课题"},
        "govopen_request_suspend": {"id": w["decided"]["id"], "suspend": True, "note": "暂停"},
        "govopen_request_list": {"limit": 5, "offset": 0},
        "govopen_grant_list": {"dataset_id": p["ds"]["id"]},
        "govopen_grant_revoke": {"id": w["grant_id"], "reason": "撤销"},
    }
    return dict(bases.get(name, {}))


API_ROLES = ("anonymous", "outsider", "citizen", "editor")


def api_post(app, name: str, headers: dict, payload: Any = None, raw: str | None = None):
    return app.post(f"/api/3/action/{name}", headers=headers, data=raw if raw is not None else dumps(payload),
                    content_type="application/json")


def hostile_payloads(name: str, w: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    base = base_payload(name, w)
    for param in action_params(name):
        for label, value in HOSTILE:
            yield f"{param}={label}", {**base, param: value}
        yield f"{param}=missing", {k: v for k, v in base.items() if k != param}
    yield "NUL-key", {**base, "a\u0000b": "x"}
    yield "surrogate-key", {**base, LONE_SURROGATE: "x"}
    yield "nested-surrogate", {**base, "extra": {"deep": [LONE_SURROGATE]}}
    if name == "govopen_request_list":
        for label, value in (("[20]", [20]), ("{a:1}", {"a": 1}), ("blank", ""), ("spaces", "  "),
                             ("float", 2.5), ("string-1e25", "1e25"), ("huge-str", "99999999999999999999999")):
            yield f"limit={label}", {**base, "limit": value}
        for value in (10 ** 20, "100000000000000000000", 10 ** 7 + 1, -(10 ** 20), 1e308):
            yield f"offset={value!r}", {**base, "offset": value}
    if name == "govopen_deadline":
        for start in ("9999-12-31", "9999-12-30", "0001-01-01", "2027-W30-1", "20270730", "2027-02-30"):
            for kind in ("open_application", "share_application", "objection", "correction"):
                yield f"kind={kind},start={start}", {**base, "kind": kind, "start": start}


@pytest.mark.parametrize("name", ACTIONS)
def test_action_survives_hostile_input(app, world, name):
    failures = Failures()
    cases = list(hostile_payloads(name, world))
    for role in API_ROLES:
        headers = world["tokens"][role]
        for label, payload in cases:
            send(failures, f"{name} as {role} [{label}]", lambda: api_post(app, name, headers, payload),
                 json_api=True)
        # Raw JSON texts no Python dict round-trips to: an escaped lone surrogate, a bare NUL escape.
        for label, raw in (("raw-surrogate", '{"id": "\\ud800", "kind": "\\udfff", "start": "\\ud800"}'),
                           ("raw-NUL", '{"id": "a\\u0000b", "dataset_id": "\\u0000"}'),
                           ("raw-surrogate-key", '{"\\ud800": 1}')):
            send(failures, f"{name} as {role} [{label}]", lambda: api_post(app, name, headers, raw=raw), json_api=True)
        # GET with filters in the query string: only side-effect-free actions take GET (CKAN itself
        # answers any other with a bare "use POST" 400).
        for param in action_params(name) if getattr(getattr(govopen_actions, name), "side_effect_free", False) else ():
            for label, q in (("%00", "%00"), ("a%00b", "a%00b"), ("%ED%A0%80", "%ED%A0%80"), ("40KB", LONG_ASCII)):
                send(failures, f"GET {name} as {role} [{param}={label}]",
                     lambda: app.get(f"/api/3/action/{name}?{param}={q}", headers=headers), json_api=True)
    failures.check()


def test_deadline_at_the_end_of_time_anonymous(app, world):
    failures = Failures()
    for kind in ("open_application", "share_application", "objection", "correction"):
        payload = {"kind": kind, "start": "9999-12-31"}
        res = send(failures, f"govopen_deadline anonymous {payload}",
                   lambda: api_post(app, "govopen_deadline", {}, payload), json_api=True)
        if res is not None and res.status_code >= 400:
            assert "start" in res.get_data(as_text=True), res.get_data(as_text=True)[:500]
    failures.check()


def test_request_list_paging_of_the_wrong_type(app, world):
    failures = Failures()
    for role in ("citizen", "editor"):
        for label, extra in (("limit=list", {"limit": [20]}), ("limit=dict", {"limit": {"a": 1}}),
                             ("limit=blank", {"limit": ""}), ("offset=1e20", {"offset": 10 ** 20})):
            res = send(failures, f"govopen_request_list as {role} [{label}]",
                       lambda: api_post(app, "govopen_request_list", world["tokens"][role], extra), json_api=True)
            if res is not None and res.status_code >= 400:
                assert next(iter(extra)) in res.get_data(as_text=True), (label, res.get_data(as_text=True)[:500])
    failures.check()


# --- the desk pages ---------------------------------------------------------------------


# (label, URL-path segment as a client would write it, raw bytes for PATH_INFO or None)
SEGMENTS: list[tuple[str, str, bytes | None]] = [
    ("%00", "%00", b"\x00"),
    ("a%00b", "a%00b", b"a\x00b"),
    ("%ED%A0%80", "%ED%A0%80", b"\xed\xa0\x80"),
    ("5000-chars", "x" * 5000, None),
    ("2000-chinese", quote("中" * 2000), None),
    ("1e25", "1e25", None),
    ("99999999999999999999999", "99999999999999999999999", None),
    ("-1", "-1", None),
    ("rtl", quote("\u202e\u200b"), None),
    ("script", quote("<script>"), None),
]

QUERY_VALUES: list[tuple[str, str]] = [
    ("%00", "%00"), ("a%00b", "a%00b"), ("%ED%A0%80", "%ED%A0%80"), ("%C0%80", "%C0%80"),
    ("40KB", LONG_ASCII), ("1e25", "1e25"), ("99999999999999999999999", "99999999999999999999999"),
    ("-1", "-1"), ("chinese", quote("中" * 3000)),
]

QUERY_PARAMS = ("page", "organization", "kind", "status", "overdue", "tab")

FORM_VALUES: list[tuple[str, str]] = [
    ("NUL", "\u0000"), ("a-NUL-b", "a\u0000b"), ("40KB-ascii", LONG_ASCII), ("20K-chinese", LONG_CHINESE),
    ("9999-12-31", "9999-12-31"), ("2027-W30-1", "2027-W30-1"), ("1e25", "1e25"), ("rtl", "\u202e\u200b"),
]

REQUEST_ACTIONS = ("accept", "ask_info", "respond", "decide", "withdraw", "suspend", "lift")
ACTION_FORM_FIELDS = ("note", "decision", "reason", "legal_basis", "conditions", "expires",
                      "public_interest_research", "resource_ids")
APPLY_FORM_FIELDS = ("applicant_type", "applicant_name", "credit_code", "id_number", "purpose", "scenario",
                     "usage_type", "security_measures", "requested_until", "objection_type", "details",
                     "applicant_org", "resource_ids", "written_reply")
KINDS = ("open_application", "share_application", "objection", "correction")


def page_get(app, path: str, headers: dict, raw_path: bytes | None = None):
    if raw_path is not None:  # bytes a real server would hand over, not werkzeug's re-encoding
        return app.get("/", headers=headers, follow_redirects=False,
                       environ_overrides={"PATH_INFO": raw_path.decode("latin-1")})
    return app.get(path, headers=headers, follow_redirects=False)


def page_post(app, path: str, headers: dict, data: Any, raw_path: bytes | None = None):
    if raw_path is not None:
        return app.post("/", headers=headers, data=data, follow_redirects=False,
                        environ_overrides={"PATH_INFO": raw_path.decode("latin-1")})
    return app.post(path, headers=headers, data=data, follow_redirects=False)


# Which query parameters each list page reads (the queue reads them all); every page also gets
# all of them at once, hostile, so a parameter a page starts reading is covered too.
PAGE_PARAMS = {"/requests": ("page",), "/requests/queue": QUERY_PARAMS, "/requests/overview": ("page",),
               "/ckan-admin/govopen/policy": ("page",)}
# Per field, the values a guard on NUL cannot catch (NUL itself is tried in every field at once).
FIELD_VALUES = [v for v in FORM_VALUES if v[0] in ("40KB-ascii", "9999-12-31", "1e25")]
LIST_PAGE_ROLES = ("anonymous", "editor", "supervisor")
ID_PAGE_ROLES = ("anonymous", "citizen", "editor")


def test_list_pages_survive_hostile_query_params(app, world):
    failures = Failures()
    for role in LIST_PAGE_ROLES:
        headers = world["tokens"][role]
        for path, params in PAGE_PARAMS.items():
            if role != "anonymous":  # anonymous is sent to log in before any parameter is read
                for param in params:
                    for label, value in QUERY_VALUES:
                        send(failures, f"GET {path}?{param}={label} as {role}",
                             lambda: page_get(app, f"{path}?{param}={value}", headers), json_api=False)
            for label, value in QUERY_VALUES:
                send(failures, f"GET {path}?<every param>={label} as {role}",
                     lambda: page_get(app, f"{path}?" + "&".join(f"{k}={value}" for k in QUERY_PARAMS), headers),
                     json_api=False)
    failures.check()


def test_request_pages_survive_hostile_ids(app, world):
    failures = Failures()
    rid = world["open"]["id"]
    for role in ID_PAGE_ROLES:
        headers = world["tokens"][role]
        for label, seg, raw in SEGMENTS:
            for suffix in ("", "/letter"):
                send(failures, f"GET /requests/<{label}>{suffix} as {role}",
                     lambda: page_get(app, f"/requests/{seg}{suffix}", headers,
                                      b"/requests/" + raw + suffix.encode() if raw else None), json_api=False)
            for action in ("accept", "decide", "nonsense"):  # every action looks the request up alike
                send(failures, f"POST /requests/<{label}>/{action} as {role}",
                     lambda: page_post(app, f"/requests/{seg}/{action}", headers, {"note": "x"},
                                       b"/requests/" + raw + b"/" + action.encode() if raw else None), json_api=False)
            # A hostile action name on a real request.
            send(failures, f"POST /requests/<real>/<{label}> as {role}",
                 lambda: page_post(app, f"/requests/{rid}/{seg}", headers, {"note": "x"},
                                   f"/requests/{rid}/".encode() + raw if raw else None), json_api=False)
    failures.check()


# Who would use each form: the department handles, the applicant answers.
ACTOR = {"accept": "editor", "ask_info": "editor", "respond": "citizen", "decide": "editor",
         "withdraw": "citizen", "suspend": "editor", "lift": "editor"}


def test_request_forms_survive_hostile_fields(app, world):
    failures = Failures()
    rid = world["open"]["id"]
    decided = world["decided"]["id"]
    filled = {"note": "说明", "decision": "reject", "reason": "理由", "legal_basis": "第十九条"}
    for action in REQUEST_ACTIONS:
        target = decided if action in ("suspend", "lift") else rid
        url = f"/requests/{target}/{action}"
        for role in ("citizen", "editor"):
            headers = world["tokens"][role]
            for label, value in FORM_VALUES:
                data = {**filled, **{f: value for f in ACTION_FORM_FIELDS}}
                send(failures, f"POST /requests/<id>/{action} as {role} [every field={label}]",
                     lambda: page_post(app, url, headers, data), json_api=False)
            send(failures, f"POST /requests/<id>/{action} as {role} [NUL field name]",
                 lambda: page_post(app, url, headers, {"a\u0000b": "x", "note": "n"}), json_api=False)
        headers = world["tokens"][ACTOR[action]]
        for field in ACTION_FORM_FIELDS:
            for label, value in FIELD_VALUES:
                data = {**filled, field: value}
                send(failures, f"POST /requests/<id>/{action} as {ACTOR[action]} [{field}={label}]",
                     lambda: page_post(app, url, headers, data), json_api=False)
    failures.check()


def test_apply_pages_survive_hostile_input(app, world):
    failures = Failures()
    p = world["portal"]
    for role in ("anonymous", "citizen", "editor"):
        headers = world["tokens"][role]
        for label, seg, raw in SEGMENTS:
            for kind in ("open_application", "objection"):
                send(failures, f"GET /dataset/<{label}>/request/{kind} as {role}",
                     lambda: page_get(app, f"/dataset/{seg}/request/{kind}", headers,
                                      b"/dataset/" + raw + b"/request/" + kind.encode() if raw else None),
                     json_api=False)
                send(failures, f"POST /dataset/<{label}>/request/{kind} as {role}",
                     lambda: page_post(app, f"/dataset/{seg}/request/{kind}", headers, {"purpose": "x"},
                                       b"/dataset/" + raw + b"/request/" + kind.encode() if raw else None),
                     json_api=False)
            for method, do in (("GET", page_get), ("POST", page_post)):
                args = (headers,) if method == "GET" else (headers, {"purpose": "x"})
                send(failures, f"{method} /dataset/births/request/<{label}> as {role}",
                     lambda: do(app, f"/dataset/births/request/{seg}", *args,
                                b"/dataset/births/request/" + raw if raw else None), json_api=False)
    form = {k: v for k, v in application(p).items() if k not in ("dataset_id", "kind", "written_reply")}
    form["resource_ids"] = [p["r1"]["id"]]
    for kind in ("open_application", "objection"):
        url = f"/dataset/births/request/{kind}"
        for role in ("citizen", "editor"):
            headers = world["tokens"][role]
            for label, value in FORM_VALUES:
                data = {**form, **{f: value for f in APPLY_FORM_FIELDS}}
                send(failures, f"POST {url} as {role} [every field={label}]",
                     lambda: page_post(app, url, headers, data), json_api=False)
        headers = world["tokens"]["citizen"]
        for field in APPLY_FORM_FIELDS:
            for label, value in FIELD_VALUES:
                data = {**form, field: value}
                send(failures, f"POST {url} as citizen [{field}={label}]",
                     lambda: page_post(app, url, headers, data), json_api=False)
    failures.check()


# --- datasets: fields of the wrong type, absurd dates, immense text --------------------------

DATASET_CASES: list[tuple[str, str, Any, bool]] = [
    # (label, field, value, must the answer be a field error?)
    ("classification_code=list", "classification_code", ["x"], True),
    ("classification_code=dict", "classification_code", {"a": 1}, True),
    ("themes=list-of-junk", "themes", ["x"], True),
    ("themes=dict", "themes", {"a": 1}, True),
    ("resource_class=list", "resource_class", ["x"], True),
    ("resource_class=dict", "resource_class", {"a": 1}, True),
    ("publish_date=99999-01-01", "publish_date", "99999-01-01", True),
    ("publish_date=0001-01-01", "publish_date", "0001-01-01", False),
    ("publish_date=2027-W30-1", "publish_date", "2027-W30-1", False),
    ("publish_date=list", "publish_date", ["2020-01-01"], True),
    ("publish_date=dict", "publish_date", {"a": 1}, True),
    ("publish_date=NUL", "publish_date", "2020-01-01\u0000", True),
    ("open_legal_basis=40KB-ascii", "open_legal_basis", LONG_ASCII, False),
    ("open_legal_basis=20K-chinese", "open_legal_basis", LONG_CHINESE, False),
    ("notes=40KB-ascii", "notes", LONG_ASCII, False),
    ("notes=20K-chinese", "notes", LONG_CHINESE, False),
    ("title=40KB-ascii", "title", LONG_ASCII, False),
    ("title=20K-chinese", "title", LONG_CHINESE, False),
    ("title=NUL", "title", "a\u0000b", True),
    ("notes=lone-surrogate", "notes", LONE_SURROGATE, True),
    ("classification_code=NUL", "classification_code", "\u0000", True),
]


def _check_dataset_answer(failures: Failures, where: str, res: Any, field: str, must_fail: bool) -> None:
    if res is None or res.status_code >= 500:
        return  # already recorded
    body = res.get_data(as_text=True)
    try:
        doc = json.loads(body)
    except ValueError:
        failures.add(where, f"HTTP {res.status_code}, not JSON: {body[:200]!r}")
        return
    if doc.get("success"):
        if must_fail:
            failures.add(where, f"accepted (HTTP {res.status_code}); expected a field error naming {field!r}")
        return
    error = doc.get("error") or {}
    # A field error: the error dict names the field (scheming may nest it under its own key).
    if field not in error and field not in json.dumps(error, ensure_ascii=False)[:5000]:
        failures.add(where, f"HTTP {res.status_code}, error does not name {field!r}: {json.dumps(error)[:300]}")


def test_dataset_fields_of_the_wrong_type(app, world):
    failures = Failures()
    p = world["portal"]
    headers = world["tokens"]["admin"]
    base = {"owner_org": p["owner"]["id"], "resource_class": "department", "update_frequency": "monthly",
            "open_category": "on_application", "share_category": "conditional",
            "open_conditions": "用途限定", "open_legal_basis": "第十九条", "share_conditions": "履职使用",
            "share_legal_basis": "第十一条", "title": "模糊测试"}
    ds = p["ds"]
    for i, (label, field, value, must_fail) in enumerate(DATASET_CASES):
        create = {**base, "name": f"fuzz-{i}", "catalogue_code": f"307001/{900 + i:06d}", field: value}
        where = f"package_create [{label}]"
        res = send(failures, where, lambda: api_post(app, "package_create", headers, create), json_api=True)
        _check_dataset_answer(failures, where, res, field, must_fail)
        where = f"package_update [{label}]"
        res = send(failures, where, lambda: api_post(app, "package_update", headers, {**ds, field: value}),
                   json_api=True)
        _check_dataset_answer(failures, where, res, field, must_fail)
        where = f"package_patch [{label}]"
        res = send(failures, where, lambda: api_post(app, "package_patch", headers, {"id": ds["id"], field: value}),
                   json_api=True)
        _check_dataset_answer(failures, where, res, field, must_fail)
    failures.check()
