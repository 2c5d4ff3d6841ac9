"""Applicants' identifiers sealed at rest: the pure sealing rules, then the database as a whole
(no table holds an identifier in clear after applications, decisions and mail), key rotation
and identifiers stored before sealing existed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.model import Request
from ckanext.govopen.security import reseal, sealing
from tests.requests_support import ID_NUMBER, _code, application, call

FIELDS = ("id_number", "credit_code")
CREDIT_CODE = _code("91340181MA2U00001")


# --- pure -----------------------------------------------------------------------------------

def test_a_sealed_value_opens_with_its_key_only():
    key, other = sealing.new_key(), sealing.new_key()
    sealed = sealing.seal(ID_NUMBER, sealing.keyring(key))
    assert sealed.startswith(sealing.PREFIX) and ID_NUMBER not in sealed
    assert sealing.unseal(sealed, sealing.keyring(key)) == ID_NUMBER
    assert sealing.unseal(sealed, sealing.keyring(other)) == sealing.UNREADABLE
    assert sealing.unseal(sealed, sealing.keyring(f"{other} {key}")) == ID_NUMBER  # an older key still opens
    # a random IV: the same number sealed twice differs (the column cannot be matched by number)
    assert sealing.seal(ID_NUMBER, sealing.keyring(key)) != sealed
    assert sealing.seal(sealed, sealing.keyring(key)) == sealed  # never sealed twice
    assert sealing.unseal("plain", sealing.keyring(key)) == "plain" and sealing.unseal(None, sealing.keyring(key)) is None


def test_only_identifier_fields_are_sealed():
    ring = sealing.keyring(sealing.new_key())
    out = sealing.seal_fields({"id_number": ID_NUMBER, "credit_code": "", "applicant_name": "李研究"}, FIELDS, ring)
    assert sealing.is_sealed(out["id_number"]) and out["credit_code"] == "" and out["applicant_name"] == "李研究"
    assert sealing.unseal_fields(out, FIELDS, ring) == {"id_number": ID_NUMBER, "credit_code": "", "applicant_name": "李研究"}


def test_resealing_moves_values_to_the_newest_key():
    old, new = sealing.new_key(), sealing.new_key()
    data = {"id_number": sealing.seal(ID_NUMBER, sealing.keyring(old)), "credit_code": CREDIT_CODE}
    ring = sealing.keyring(f"{new} {old}")
    out, changed = sealing.reseal_fields(data, FIELDS, ring)
    assert changed and sealing.unseal(out["id_number"], sealing.keyring(new)) == ID_NUMBER
    assert sealing.unseal(out["credit_code"], sealing.keyring(new)) == CREDIT_CODE  # clear: sealed now
    assert sealing.reseal_fields(out, FIELDS, ring) == (out, False)  # nothing left to do
    stranger = {"id_number": sealing.seal(ID_NUMBER, sealing.keyring(sealing.new_key()))}
    assert sealing.reseal_fields(stranger, FIELDS, ring) == (stranger, False)  # unreadable: left alone


@pytest.mark.parametrize("keys, words", [(None, "is not set"), ("", "is not set"), ("short", "key 1"),
                                         (f"{sealing.new_key()} nonsense", "key 2")])
def test_bad_keys_are_named(keys, words):
    with pytest.raises(sealing.KeyProblem, match=words) as err:
        sealing.keyring(keys)
    assert "ckanext.govopen.identifier_keys" in str(err.value)


# --- the database ---------------------------------------------------------------------------

def _every_table_text() -> str:
    """Every row of every table in the portal's database, as text."""
    tables = model.Session.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    return "\n".join(model.Session.execute(sa.text(f'SELECT coalesce(string_agg(t::text, \'\n\'), \'\') FROM "{name}" t'))
                     .scalar() for name in tables)


def test_no_table_holds_an_identifier_in_clear(portal):
    p = portal
    person = call("govopen_request_create", p["citizen"], **application(p))
    company = call("govopen_request_create", p["stranger"], **application(
        p, applicant_type="company", applicant_name="某科技有限公司", credit_code=CREDIT_CODE, id_number=""))
    call("govopen_request_accept", p["editor"], id=person["id"])
    model.Session.commit()
    text = _every_table_text()
    assert ID_NUMBER not in text and CREDIT_CODE not in text
    assert "李研究" in text  # the rest of the row is there, readable
    stored = model.Session.execute(sa.text("SELECT applicant ->> 'id_number' FROM govopen_request WHERE id = :id"),
                                   {"id": person["id"]}).scalar()
    assert stored.startswith(sealing.PREFIX)
    # readers see them as before: deciders in clear, others masked
    assert call("govopen_request_show", p["editor"], id=person["id"])["id_number"] == ID_NUMBER
    assert call("govopen_request_show", p["editor"], id=company["id"])["credit_code"] == CREDIT_CODE
    assert call("govopen_request_show", p["plain"], id=person["id"])["id_number"] not in (ID_NUMBER, stored)
    assert reseal.clear_count() == 0
    # queries on the column's other keys still work through the sealed type
    assert model.Session.query(Request).filter(Request.applicant["applicant_type"].astext == "company").count() == 1


def test_rotation_and_identifiers_stored_in_clear(portal, monkeypatch):
    p = portal
    old_keys = tk.config["ckanext.govopen.identifier_keys"]
    first = call("govopen_request_create", p["citizen"], **application(p))
    second = call("govopen_request_create", p["stranger"], **application(p))
    model.Session.commit()
    # a row written before sealing existed
    model.Session.execute(sa.text("UPDATE govopen_request SET applicant = jsonb_set(applicant, '{id_number}', "
                                  "to_jsonb(CAST(:n AS text))) WHERE id = :id"), {"n": ID_NUMBER, "id": second["id"]})
    model.Session.commit()
    assert reseal.clear_count() == 1
    assert call("govopen_request_show", p["editor"], id=second["id"])["id_number"] == ID_NUMBER  # read as it is
    new = sealing.new_key()
    monkeypatch.setitem(tk.config, "ckanext.govopen.identifier_keys", f"{new} {old_keys}")
    messages: list[str] = []
    counts = reseal.reseal(batch=1, progress=messages.append)
    assert counts["govopen_request"] == 2 and counts["govopen_request unreadable"] == 0 and messages
    assert reseal.clear_count() == 0
    # the old key can go: every identifier opens with the new one alone
    monkeypatch.setitem(tk.config, "ckanext.govopen.identifier_keys", new)
    model.Session.expire_all()
    for req in (first, second):
        assert call("govopen_request_show", p["editor"], id=req["id"])["id_number"] == ID_NUMBER
    # a key that is lost: the identifier reads as unreadable, never as ciphertext, never a 500
    monkeypatch.setitem(tk.config, "ckanext.govopen.identifier_keys", sealing.new_key())
    model.Session.expire_all()
    assert call("govopen_request_show", p["editor"], id=first["id"])["id_number"] == sealing.UNREADABLE


def test_the_portal_refuses_to_start_without_a_key():
    from ckanext.govopen.plugin import GovopenPlugin

    with pytest.raises(RuntimeError, match="ckanext.govopen.identifier_keys is not set"):
        GovopenPlugin().update_config({"ckan.plugins": "activity govopen"})
    with pytest.raises(RuntimeError, match="key 1 is not a Fernet key"):
        GovopenPlugin().update_config({"ckan.plugins": "activity govopen", "ckanext.govopen.identifier_keys": "x"})


def test_the_reseal_and_new_key_commands(portal, cli, monkeypatch):
    from ckanext.govopen.cli import govopen

    p = portal
    req = call("govopen_request_create", p["citizen"], **application(p))
    model.Session.execute(sa.text("UPDATE govopen_request SET applicant = jsonb_set(applicant, '{id_number}', "
                                  "to_jsonb(CAST(:n AS text))) WHERE id = :id"), {"n": ID_NUMBER, "id": req["id"]})
    model.Session.commit()
    made = cli.invoke(govopen, ["identifiers", "new-key"])
    new = made.output.strip()
    assert made.exit_code == 0 and sealing.keyring(new)
    monkeypatch.setitem(tk.config, "ckanext.govopen.identifier_keys", f"{new} {tk.config['ckanext.govopen.identifier_keys']}")
    done = cli.invoke(govopen, ["identifiers", "reseal", "--batch", "10"])
    assert done.exit_code == 0, done.output
    assert "govopen_request: 1 rows resealed" in done.output and "identifiers in clear: 0" in done.output
    stored = model.Session.execute(sa.text("SELECT applicant ->> 'id_number' FROM govopen_request")).scalar()
    assert sealing.unseal(stored, sealing.keyring(new)) == ID_NUMBER
