"""Session lifetime rules (pure): a browser session ends after ``idle`` seconds without a
request, and ``absolute`` seconds after the login whatever happens; CKAN's own default keeps a
session cookie for a year. API tokens are not sessions: these rules do not apply to them."""
from __future__ import annotations

import time

__all__ = ["expired", "now", "TOUCH_EVERY"]

# A request refreshes the idle clock only when the last refresh is this many seconds old: the
# session cookie is not rewritten on every request.
TOUCH_EVERY = 60


def now() -> float:
    """The clock the session stamps use (seconds; tests replace it)."""
    return time.time()


def expired(login_at: float, seen_at: float, now: float, idle: int, absolute: int) -> str | None:
    """"idle" or "absolute" when the session has ended (0 turns a limit off), else None."""
    if absolute and now - login_at > absolute:
        return "absolute"
    if idle and now - seen_at > idle:
        return "idle"
    return None
