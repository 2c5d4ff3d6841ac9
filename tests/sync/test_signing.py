"""Signed calls between tiers: altered, replayed, stale or unknown calls are refused with their
documented return code."""
import pytest

from ckanext.govopen.sync import signing as sg
from tests.catalog_support import zh

CITY = "http://city.example:5000"
SECRET = "s3cret-shared-by-city-and-province"
PATH = "/api/3/action/govopen_sync_receive"
BODY = '{"entries": [{"id": "d-1", "title": "出生登记"}], "complete": true}'.encode()
NOW = 1_796_400_000


class Receiver:
    def __init__(self):
        self.seen = set()

    def secret_for(self, origin):
        return {CITY: SECRET}.get(origin)

    def first_use(self, origin, nonce):
        new = (origin, nonce) not in self.seen
        self.seen.add((origin, nonce))
        return new

    def check(self, headers, body=BODY, now=NOW, path=PATH, method="POST"):
        return sg.verify(headers, method, path, body, now, self.secret_for, self.first_use)


def call(**kw):
    args = dict(origin=CITY, secret=SECRET, method="POST", path=PATH, body=BODY, now=NOW)
    args.update(kw)
    return sg.signed_headers(**args)


def test_a_signed_call_is_accepted_once():
    receiver, headers = Receiver(), call()
    assert receiver.check(headers) == sg.Verdict("0000", CITY)
    assert receiver.check(headers).code == "1005"  # the same call again: replayed


@pytest.mark.parametrize("change", [
    {"body": BODY.replace(b"true", b"false")},
    {"path": "/api/3/action/govopen_sync_receive?x=1"},
    {"method": "PUT"},
])
def test_an_altered_call_does_not_match(change):
    assert Receiver().check(call(), **change).code == "1003"


def test_an_altered_time_does_not_match_and_an_old_call_is_stale():
    headers = call()
    assert Receiver().check({**headers, sg.TIMESTAMP: str(NOW + 1)}, now=NOW + 1).code == "1003"
    assert Receiver().check(call(now=NOW - 301)).code == "1004"
    assert Receiver().check(call(now=NOW + 301)).code == "1004"
    assert Receiver().check(call(now=NOW - 300)).ok


def test_another_secret_or_origin_is_refused():
    assert Receiver().check(call(secret="guessed")).code == "1003"
    assert Receiver().check(call(origin="http://other.example")).code == "1002"


@pytest.mark.parametrize("drop", sg.HEADERS)
def test_missing_headers_are_malformed(drop):
    headers = call()
    headers.pop(drop)
    assert Receiver().check(headers).code == "1001"


def test_garbage_headers_are_malformed():
    assert Receiver().check({**call(), sg.TIMESTAMP: "yesterday"}).code == "1001"
    assert Receiver().check({**call(), sg.SIGNATURE: "00"}).code == "1001"


def test_every_code_is_documented_and_translated():
    assert set(sg.CODES) == {"0000", "1001", "1002", "1003", "1004", "1005", "1006", "2001", "2002", "2003", "2004", "2005",
                             "3001", "3002"}
    for msgid in sg.CODES.values():
        assert zh(msgid) != msgid
