"""The security baseline's pure rules: which pages may run inline scripts, the headers, and when
a login is refused."""
from __future__ import annotations

import pytest

from ckanext.govopen.security import headers, throttle


@pytest.mark.parametrize("path", ["/dataset/roads/resource/new", "/dataset/roads/resource/abc/edit",
                                  "/dataset/new", "/dataset/roads/resource/abc/view/def", "/datatables/ajax/abc",
                                  "/user/wang/api-tokens"])
def test_inline_scripts_only_where_ckans_templates_need_them(path):
    assert "script-src 'self' 'unsafe-inline'" in headers.content_security_policy(path)


@pytest.mark.parametrize("path", ["/", "/dataset/", "/dataset/roads", "/dataset/roads/resource/abc", "/requests",
                                  "/scorecard/", "/user/login", "/dataset/new-roads-edit", "/api/3/action/status_show"])
def test_no_inline_scripts_elsewhere(path):
    policy = headers.content_security_policy(path)
    assert "script-src 'self';" in policy and "unsafe-inline' ;" not in policy
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy


def test_hsts_only_over_https():
    plain = headers.security_headers("/", secure=False, hsts_seconds=31536000)
    assert "Strict-Transport-Security" not in plain
    assert plain["X-Frame-Options"] == "SAMEORIGIN" and plain["X-Content-Type-Options"] == "nosniff"
    secure = headers.security_headers("/", secure=True, hsts_seconds=31536000)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in headers.security_headers("/", secure=True, hsts_seconds=0)


def test_lock_rules():
    limits = throttle.Limits(per_account=5, per_address=20, window=900)
    assert throttle.locked(4, 19, limits) is None
    assert throttle.locked(5, 0, limits) == "account"
    assert throttle.locked(0, 20, limits) == "address"
    with pytest.raises(ValueError):
        throttle.Limits(per_account=0)


def test_account_keys_hide_what_was_typed():
    key = throttle.account_key(" Wang@Example.GOV.cn ")
    assert key == throttle.account_key("wang@example.gov.cn")
    assert "wang" not in key and key.startswith("govopen:login:account:")
    assert throttle.account_key("340181199001011234").find("340181") == -1


def test_session_lifetimes():
    from ckanext.govopen.security import sessions

    idle, absolute = 30 * 60, 12 * 3600
    assert sessions.expired(0, 0, 29 * 60, idle, absolute) is None
    assert sessions.expired(0, 0, 31 * 60, idle, absolute) == "idle"
    assert sessions.expired(0, 11 * 3600, 12 * 3600 + 1, idle, absolute) == "absolute"
    assert sessions.expired(0, 0, 10 ** 9, 0, 0) is None


@pytest.mark.parametrize("password, expected", [
    ("Zhao-Lin-2026", []),
    ("short1!", ["Use at least {min_length} characters"]),
    ("woaini1314!!", ["This password is among the first ones guessed: choose another"]),
    ("Password2026!", ["This password is among the first ones guessed: choose another"]),
    ("wanglei-secret-9", ["The password may not contain the user name"]),
    ("abcdefghijklmn", ["Mix two kinds of characters at least (letters, digits, symbols)"]),
])
def test_password_policy(password, expected):
    from ckanext.govopen.security import passwords

    assert passwords.problems(password, "wanglei", 10) == expected
