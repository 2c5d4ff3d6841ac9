"""Login throttling (glue): failures counted in Redis per account and per address
(``throttle``), logins refused while locked, and every login, failure and lockout written to
the security audit log. Wired by ``plugin.py`` (CKAN's login signals) and
``views/guards.refuse_locked_logins`` (before CKAN's login view)."""
from __future__ import annotations

import logging

from redis.exceptions import RedisError

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.govopen.security import audit, throttle

__all__ = ["Unavailable", "limits", "locked", "locked_now", "unlock", "subject", "failed", "succeeded"]

log = logging.getLogger(__name__)


class Unavailable(RuntimeError):
    """The failure counters (Redis) cannot be reached: logins cannot be throttled, so they are refused."""


def limits() -> throttle.Limits:
    return throttle.Limits(per_account=tk.config.get("ckanext.govopen.security.login_failures_per_account"),
                           per_address=tk.config.get("ckanext.govopen.security.login_failures_per_address"),
                           window=tk.config.get("ckanext.govopen.security.login_window"))


def _count(key: str) -> int:
    return int(connect_to_redis().get(key) or 0)


def _user(login: str) -> model.User | None:
    return (model.User.by_name(login) or model.User.by_email(login)) if login else None


def _account_key(login: str) -> str:
    """One counter per account, whether its name or its e-mail is typed; per typed text otherwise."""
    user = _user(login)
    return throttle.account_key(f"user:{user.id}" if user is not None else login)


def locked(login: str, address: str) -> tuple[str, int] | None:
    """(why, seconds until it is lifted) while a login is refused, else None. Raises
    Unavailable when the counters cannot be read (fail closed: the caller refuses the login)."""
    rules = limits()
    try:
        why = throttle.locked(_count(_account_key(login)), _count(throttle.address_key(address)), rules)
        if why is None:
            return None
        key = _account_key(login) if why == "account" else throttle.address_key(address)
        return why, max(1, int(connect_to_redis().ttl(key) or rules.window))
    except RedisError as error:
        log.error("govopen: login counters unreachable (%s): logins are refused until Redis is back", error)
        raise Unavailable(str(error)) from None


def unlock(login: str, address: str) -> int:
    """Clear the failure counts of LOGIN's account and of ADDRESS (either may be empty); how many
    counters there were."""
    keys = ([_account_key(login)] if login else []) + ([throttle.address_key(address)] if address else [])
    try:
        return int(connect_to_redis().delete(*keys)) if keys else 0
    except RedisError as error:
        raise Unavailable(str(error)) from None


def locked_now() -> dict:
    """What is locked at this moment: how many accounts (their keys are hashes: no names), and
    which client addresses, with the seconds left. Raises Unavailable without Redis."""
    rules = limits()
    redis = connect_to_redis()
    accounts, addresses = 0, []
    try:
        for key in redis.scan_iter(match="govopen:login:*", count=500):
            name = key.decode() if isinstance(key, bytes) else key
            address = throttle.address_of(name)
            if int(redis.get(name) or 0) < (rules.per_account if address is None else rules.per_address):
                continue
            if address is None:
                accounts += 1
            else:
                addresses.append({"address": address, "seconds": max(1, int(redis.ttl(name) or rules.window))})
    except RedisError as error:
        raise Unavailable(str(error)) from None
    return {"accounts": accounts, "addresses": sorted(addresses, key=lambda a: a["address"])}


def _bump(key: str, window: int) -> int:
    redis = connect_to_redis()
    with redis.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)  # the window runs from the first failure
        count, _ = pipe.execute()
    return int(count)


def subject(login: str) -> str:
    """The account's id when the login names one, else the login's hash (never the typed text)."""
    user = _user(login)
    return user.id if user is not None else "login:" + throttle.account_key(login).rsplit(":", 1)[1]


def failed(sender, **kwargs) -> None:
    """CKAN's failed_login signal (sender: the login as typed)."""
    login, address = str(sender or ""), audit.client_address() or ""
    rules = limits()
    who = subject(login)
    try:
        account = _bump(_account_key(login), rules.window)
        by_address = _bump(throttle.address_key(address), rules.window)
    except RedisError as error:  # Redis went away after the check: the failure is still recorded
        log.error("govopen: a failed login could not be counted (%s)", error)
        audit.record("login_failed", subject=who, details={"uncounted": True})
        return
    audit.record("login_failed", subject=who,
                 details={"account_failures": account, "address_failures": by_address})
    for count, limit, why in ((account, rules.per_account, "account"), (by_address, rules.per_address, "address")):
        if count == limit:
            log.warning("govopen: login locked (%s) after %d failures", why, count)
            audit.record("lockout", subject=who, details={"by": why, "failures": count, "seconds": rules.window})


def _stamp_session() -> None:
    """Start the session's clocks (views/guards.end_stale_sessions reads them)."""
    from flask import has_request_context, session

    from ckanext.govopen.security import sessions

    if has_request_context():
        session["govopen_login_at"] = session["govopen_seen_at"] = sessions.now()


def succeeded(sender, user=None, **kwargs) -> None:
    """Flask-Login's user_logged_in signal: clear the account's failures, record the login."""
    if user is None or not getattr(user, "id", None):
        return
    try:
        connect_to_redis().delete(throttle.account_key(f"user:{user.id}"))
    except RedisError as error:  # the count runs out with its window
        log.error("govopen: the account's failed logins could not be cleared (%s)", error)
    _stamp_session()
    audit.record("login", user_id=user.id, subject=user.id)
