"""Requests: applications for data, share requests, objections, error reports, and the grants
approvals create.

Pure (no CKAN imports): `rules` (states, transitions, who may do what, what a request must
contain, masking) and `mail_text` (the mail texts, rendered by plain jinja2). CKAN glue: `store`
(rows, roles, events, grants), `sweep` (deadlines acting on their own), `notifications` (the
outbox and the mail job). Actions are in `logic/action/requests.py` and `desk.py`, pages in
`views/desk.py`.
"""
