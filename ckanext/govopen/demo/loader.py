"""Load the demo catalogue into the running portal through CKAN's actions."""
from __future__ import annotations

import io
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage

from . import catalogue

__all__ = ["load"]


def _context(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": True}


def _ensure_sysadmin(site_user: str) -> tuple[str, str]:
    name = tk.config["ckanext.govopen.demo.sysadmin_name"]
    password = tk.config["ckanext.govopen.demo.sysadmin_password"]
    try:
        tk.get_action("user_show")(_context(site_user), {"id": name})
    except tk.ObjectNotFound:
        tk.get_action("user_create")(_context(site_user), {
            "name": name, "email": f"{name}@example.gov.cn", "password": password,
            "fullname": "门户管理员（演示）",
        })
    tk.get_action("user_patch")(_context(site_user), {"id": name, "sysadmin": True})
    return name, password


def _ensure_department(site_user: str, dept: dict[str, Any]) -> None:
    try:
        tk.get_action("organization_show")(_context(site_user), {"id": dept["name"]})
    except tk.ObjectNotFound:
        tk.get_action("organization_create")(_context(site_user), dept)


def _dataset_dict(index: int) -> dict[str, Any]:
    spec = catalogue.DATASETS[index]
    return catalogue.dataset_metadata(index) | {
        "name": spec["name"],
        "title": spec["title"],
        "notes": spec["notes"] + catalogue.DEMO_NOTE,
        "owner_org": spec["org"],
        "tags": [{"name": t} for t in spec["tags"]],
        "license_id": "cc-by",
    }


def _upload(spec: dict[str, Any]) -> FileStorage:
    return FileStorage(stream=io.BytesIO(catalogue.csv_bytes(spec)),
                       filename=f"{spec['name']}.csv", content_type="text/csv")


def load(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, Any]:
    """Create what is missing of the demo catalogue; leave what exists alone."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    user, password = _ensure_sysadmin(site_user)
    for i, dept in enumerate(catalogue.DEPARTMENTS):
        _ensure_department(site_user, {**dept, **catalogue.department_metadata(i)})
    progress(f"{len(catalogue.DEPARTMENTS)} departments ready")

    created = existing = 0
    total = len(catalogue.DATASETS)
    for i, spec in enumerate(catalogue.DATASETS, 1):
        try:
            tk.get_action("package_show")(_context(site_user), {"id": spec["name"]})
            existing += 1
            continue
        except tk.ObjectNotFound:
            pass
        data = _dataset_dict(i - 1)
        if spec.get("first_open"):
            data = {**data, "open_category": spec["first_open"], "open_conditions": "", "open_legal_basis": ""}
        pkg = tk.get_action("package_create")(_context(user), data)
        if spec.get("first_open"):
            final = _dataset_dict(i - 1)
            tk.get_action("package_patch")(_context(user), {
                "id": pkg["id"], "category_change_reason": spec["change_reason"],
                **{k: final[k] for k in ("open_category", "open_conditions", "open_legal_basis")}})
        tk.get_action("resource_create")(_context(user), {
            "package_id": pkg["id"], "name": f"{spec['title']}.csv", "format": "CSV",
            "description": spec["notes"], "upload": _upload(spec),
        })
        created += 1
        progress(f"[{i}/{total}] {spec['title']}")
    from . import requests

    made = requests.load(site_user, password, progress)
    return {"departments": len(catalogue.DEPARTMENTS), "datasets": total, "requests": made,
            "created": created, "existing": existing, "user": user, "password": password}
