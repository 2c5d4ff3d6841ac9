"""Mail about requests, through an outbox.

A state change writes its notifications into `govopen_notification` in its own transaction
(`queue`, set-based, idempotent by key); once that transaction has committed, `dispatch`
enqueues a background job that sends what is unsent (`send_pending`) with CKAN's mailer.
So a mail failure never undoes a decision, and what failed is retried: by RQ, and by every
deadline sweep. Texts are in `mail_text` (pure); identifiers never go into mail.
"""
from __future__ import annotations

import datetime
import logging
import os
from typing import Any, Iterable

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import translations
from ckanext.govopen.requests import mail_text
from ckanext.govopen.model import Grant, Notification, Request, utcnow

__all__ = ["AUDIENCES", "MAX_ATTEMPTS", "queue", "queue_for", "queue_grant_expiry", "dispatch",
           "send_pending", "pending_count"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

_MEMBERS = ("JOIN member m ON m.group_id = {org} AND m.table_name = 'user' AND m.state = 'active'")
# Who hears of what: each audience selects (request id, user id) for the requests in :ids.
_AUDIENCE_SQL = {
    "applicant": "SELECT r.id, r.user_id FROM govopen_request r WHERE r.id = ANY(:ids)",
    "deciders": "SELECT r.id, m.table_id FROM govopen_request r " + _MEMBERS.format(org="r.owner_org")
                + " AND m.capacity IN ('admin', 'editor') WHERE r.id = ANY(:ids)",
    "applicant_department": "SELECT r.id, m.table_id FROM govopen_request r "
                            + _MEMBERS.format(org="r.applicant_org") + " WHERE r.id = ANY(:ids)",
    "authority": "SELECT r.id, m.table_id FROM govopen_request r CROSS JOIN \"group\" g "
                 + _MEMBERS.format(org="g.id") + " WHERE r.id = ANY(:ids) AND g.is_organization"
                 " AND g.state = 'active' AND g.extras ->> 'department_type' = 'data_authority'",
}
AUDIENCES = {
    "submitted": ("deciders",),
    "accepted": ("applicant", "applicant_department"),
    "info_requested": ("applicant", "applicant_department"),
    "resubmitted": ("deciders",),
    "decided": ("applicant", "applicant_department"),
    "withdrawn": ("deciders",),
    "deemed_approved": ("applicant", "applicant_department", "deciders"),
    "reminder": ("deciders",),
    "escalated": ("authority", "deciders"),
    "step_decided": ("authority", "deciders"),
    "grant_revoked": ("applicant", "applicant_department"),
}


def queue(event: str, request_ids: Iterable[str], tag_sql: str = ":tag", actor_id: str | None = None,
          **params: Any) -> int:
    """Queue EVENT's mail for REQUEST_IDS to its audience, in the caller's transaction. The key
    is event, request, TAG_SQL (an SQL expression over the request ``r``) and recipient:
    queuing the same thing twice queues it once. The actor is not told of their own act."""
    ids = list(request_ids)
    if not ids:
        return 0
    union = " UNION ".join(_AUDIENCE_SQL[a] for a in AUDIENCES[event])
    sql = f"""
        INSERT INTO govopen_notification (key, event, request_id, recipient_id, created)
        SELECT :event || ':' || r.id || ':' || ({tag_sql}) || ':' || x.user_id, :event, r.id, x.user_id, :now
        FROM ({union}) AS x (request_id, user_id)
        JOIN govopen_request r ON r.id = x.request_id
        JOIN "user" u ON u.id = x.user_id AND u.state = 'active'
        WHERE x.user_id IS DISTINCT FROM :actor
        ON CONFLICT (key) DO NOTHING"""
    result = model.Session.execute(sa.text(sql), {"event": event, "ids": ids, "now": utcnow(),
                                                  "actor": actor_id, "tag": "", **params})
    return result.rowcount


def queue_for(req: Request, event: str, event_row: Any, actor_id: str | None) -> int:
    """Queue the mail of one state change (keyed by its event row, so repeats of the same
    action, such as a second request for information, are told too)."""
    model.Session.flush()
    return queue(event, [req.id], tag=str(event_row.id), actor_id=actor_id)


def queue_grant_expiry(until: datetime.datetime) -> int:
    """Queue notices for live grants ending before UNTIL (naive UTC): to the user holding the
    grant, or every member of the holding department. Once per grant and end date."""
    sql = """
        INSERT INTO govopen_notification (key, event, request_id, grant_id, recipient_id, created)
        SELECT 'grant_expiring:' || g.id || ':' || g.expires || ':' || x.user_id, 'grant_expiring',
               g.request_id, g.id, x.user_id, :now
        FROM govopen_grant g
        JOIN LATERAL (
            SELECT g.holder_id AS user_id WHERE g.holder_type = 'user'
            UNION
            SELECT m.table_id FROM member m WHERE g.holder_type = 'department' AND m.group_id = g.holder_id
              AND m.table_name = 'user' AND m.state = 'active'
        ) x ON true
        JOIN "user" u ON u.id = x.user_id AND u.state = 'active'
        WHERE g.revoked IS NULL AND g.expires > :now AND g.expires <= :until
        ON CONFLICT (key) DO NOTHING"""
    return model.Session.execute(sa.text(sql), {"now": utcnow(), "until": until}).rowcount


def pending_count() -> int:
    return (model.Session.query(sa.func.count(Notification.id))
            .filter(Notification.sent.is_(None), Notification.attempts < MAX_ATTEMPTS).scalar())


def dispatch() -> None:
    """After a commit: have a background worker send what is unsent. If the queue cannot be
    reached, the rows wait for the next sweep; the caller's work stands either way."""
    from rq import Retry

    try:
        tk.enqueue_job(send_pending, title="govopen: send request mail",
                       rq_kwargs={"retry": Retry(max=3, interval=[10, 60, 300])})
    except Exception:  # noqa: BLE001 - Redis down must not fail a committed decision
        log.warning("govopen: could not enqueue the mail job; the next sweep retries", exc_info=True)


def _facts(note: Notification, recipient: model.User) -> dict[str, str]:
    from ckanext.govopen.requests.labels import REQUEST_LABELS
    from ckanext.govopen.deadlines import SHANGHAI
    from ckanext.govopen.times import last_day
    from ckanext.govopen.requests import store as request_store

    req = model.Session.get(Request, note.request_id) if note.request_id else None
    pkg = model.Package.get(req.package_id) if req else None
    grant = model.Session.get(Grant, note.grant_id) if note.grant_id else None
    dept = model.Group.get(req.owner_org) if req else None

    def label(value: str | None) -> str:
        msgid = REQUEST_LABELS.get(value or "")
        return tk._(msgid) if msgid else (value or "")

    # The kind stands inside a sentence ("your request no. 7 (application for data, ...)").
    kind = label(req.kind if req else None).lower()
    status = label(req.status if req else None)
    expires = (grant.expires if grant else None) or (
        model.Session.query(Grant.expires).filter(Grant.request_id == req.id).scalar() if req else None)
    applicant = (req.applicant or {}).get("applicant_name") if req else None
    return {
        "recipient": recipient.display_name, "number": f"{req.created.year}-{req.number:06d}" if req else "",
        "dataset": (pkg.title or pkg.name) if pkg else "", "kind": kind, "status": status, "due": req.due.isoformat() if req and req.due else "—",
        "department": dept.display_name if dept else "",
        # The applicant's own words: mail_text quotes them, and says "the applicant" if empty.
        "applicant": applicant or "",
        "expires": last_day(expires, SHANGHAI).isoformat() if expires else "—",
        "today": request_store.today().isoformat(),
    }


def _next(ids: list[int] | None, after: int) -> Notification | None:
    q = (model.Session.query(Notification)
         .filter(Notification.sent.is_(None), Notification.attempts < MAX_ATTEMPTS, Notification.id > after)
         .order_by(Notification.id).with_for_update(skip_locked=True))
    if ids:
        q = q.filter(Notification.id.in_(ids))
    return q.first()


BATCH = 200


def _template_dirs() -> list[str]:
    """govopen/emails/ under each of CKAN's template paths (a theme plugin's, extra_template_paths),
    so a portal can reword one event's mail the way it overrides a page."""
    paths = (tk.config.get("extra_template_paths") or "").split(",")
    return [os.path.join(p.strip(), "govopen", "emails") for p in paths if p.strip()]


def send_pending(ids: list[int] | None = None) -> int:
    """The background job: send unsent mail (all, or IDS), one row locked at a time so two
    workers never send the same mail; each mail commits on its own. At most BATCH mails per
    job (a job has a time limit); a full batch hands the rest to a new job. The first failure
    ends the job with an error, so RQ retries it later (10 s, 1 min, 5 min) and the sweep after
    that; the failed row keeps its attempt count and error."""
    from ckan.lib import mailer

    site_url = tk.config["ckan.site_url"].rstrip("/")
    site_title = tk.config["ckan.site_title"]
    templates = _template_dirs()
    sent, failed, last, handled = 0, 0, 0, 0
    while handled < BATCH and (note := _next(ids, last)) is not None:
        last, handled = note.id, handled + 1
        user = model.User.get(note.recipient_id)
        if user is None or not user.email:
            note.attempts, note.last_error = MAX_ATTEMPTS, "no email address"
            model.Session.commit()
            continue
        link = f"{site_url}/requests/{note.request_id}" if note.request_id else site_url
        locale = translations.recipient_locale(user)
        with translations.in_locale(locale):
            subject, body = mail_text.compose(note.event, _facts(note, user), site_title, link, templates,
                                              gettext=tk._, ngettext=tk.ungettext, locale=locale)
        try:
            mailer.mail_recipient(user.display_name, user.email, subject, body)
        except Exception as e:  # noqa: BLE001 - any SMTP or socket failure is retried later
            note.attempts += 1
            note.last_error = str(e)[:1000]
            failed += 1
            model.Session.commit()
            break  # the server is probably down: back off (RQ's retry, the next sweep), don't burn attempts
        note.sent = utcnow()
        sent += 1
        model.Session.commit()
    if handled == BATCH and not failed and ids is None:
        dispatch()  # more may wait: the next job goes on after this one
    if failed:
        raise RuntimeError(f"govopen: {failed} mail(s) failed and will be retried ({sent} sent)")
    return sent
