"""The ``govopen`` harvest source type: a govopen portal (or a plain CKAN one, with a mapping)
harvested by the tier above, on ckanext-harvest's IHarvester contract.

- gather: list the source (ids of everything it shows; full entries only for what changed
  since the last good run, less a clock-skew margin), decide what travels (``rules``), skip
  entries whose content hash is unchanged, and plan withdrawals behind ``withdrawal_guard``.
  Harvest objects hold the entry with its addresses already stripped where they may not travel.
- fetch: nothing left to fetch (gather read the entries).
- import: ``apply.write_entry`` maps (``mapping.to_dataset``), validates through the upper schema and writes one dataset
  in one transaction under a lock on its identity; or withdraw it with a tombstone.
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.interfaces import IHarvester
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ckanext.govopen.sync import apply, mapping, rules, store
from ckanext.govopen.sync.source import Source, SourceError
from ckanext.govopen.text import N_, Message
from ckanext.govopen.translations import text

log = logging.getLogger(__name__)

NO_LONGER_LISTED = N_("No longer listed at the source")
GUARDED = N_("Nothing was withdrawn and nothing written: {reason}. Run `ckan govopen sync run` with "
             "--force-withdrawals if the source really withdrew that much.")
MESSAGES = (NO_LONGER_LISTED, GUARDED)


def _config(source_config: str | None) -> dict[str, Any]:
    try:
        value = json.loads(source_config or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _source(url: str) -> Source:
    return Source(url, token=store.token_for(url), timeout=tk.config.get("ckanext.govopen.sync.timeout"),
                  retries=tk.config.get("ckanext.govopen.sync.retries"),
                  backoff=tk.config.get("ckanext.govopen.sync.backoff"))


class GovopenHarvester(HarvesterBase):
    p.implements(IHarvester)

    def info(self) -> dict[str, str]:
        return {"name": "govopen", "title": text(N_("govopen portal (upward sync)")),
                "description": text(N_("A city or provincial govopen portal, harvested by the tier above: "
                                       "categories, legal basis, provenance and withdrawals travel; "
                                       "restricted resources as metadata only"))}

    def validate_config(self, config: str | None) -> str:
        try:
            value = json.loads(config or "{}")
        except ValueError as err:
            raise ValueError(text(N_("The configuration is not valid JSON: {error}")).format(error=err)) from err
        problems = rules.source_config_problems(value)
        if problems:
            raise ValueError("; ".join(f"{pr.field}: {pr.text(tk._)}" for pr in problems))
        return config or "{}"

    # --- gather -------------------------------------------------------------------------------
    def gather_stage(self, harvest_job) -> list[str] | None:
        job_id = harvest_job.id
        if harvest_job.gather_finished is not None or not store.try_lock("job", job_id):
            log.info("job %s was gathered already or is being gathered: nothing to do", job_id)
            return []
        try:
            if model.Session.query(HarvestObject.id).filter_by(harvest_job_id=job_id).first():
                return []
            return self._gather(harvest_job)
        finally:
            store.unlock("job", job_id)

    def _gather(self, job) -> list[str] | None:
        source_row = job.source
        config = _config(source_row.config)
        if config.get("push") is True:
            self._save_gather_error(text(N_("This source reports to this portal (push): nothing is harvested")), job)
            return None
        started = time.monotonic()
        limit = tk.config.get("ckanext.govopen.sync.job_time_limit")
        source = _source(source_row.url)
        since = None if job_forced(job) else store.last_success(source_row.id)
        margin = datetime.timedelta(seconds=tk.config.get("ckanext.govopen.sync.clock_skew_margin"))
        since_text = (since - margin).strftime("%Y-%m-%dT%H:%M:%SZ") if since else None
        try:
            visible = {e["id"] for e in source.search(fl="id")}
            organizations = source.organizations()
            changed = []
            for entry in source.search(fq=source.since_query(since_text)):
                changed.append(mapping.with_department(entry, organizations))
                if time.monotonic() - started > limit:
                    raise SourceError("the job time limit was reached while listing")
        except (SourceError, KeyError, TypeError) as err:
            self._save_gather_error(text(N_("Could not list the source {url}: {error}")).format(
                url=source_row.url, error=err), job)
            return None

        known = store.current_copies(source_row.id)
        site = source_row.url.rstrip("/")
        upserts: list[tuple[str, dict, str]] = []
        leaving: dict[str, str] = {}
        for entry in changed:
            seen = mapping.consider(entry, config, site)
            if seen.flat is None:
                if seen.guid in known:
                    leaving[seen.guid] = seen.why
                continue
            copy = known.get(seen.guid)
            if copy and copy.content_hash == seen.digest:
                continue
            upserts.append((seen.guid, seen.flat, seen.digest))
        for guid in set(known) - visible:
            leaving.setdefault(guid, NO_LONGER_LISTED)

        max_share = config.get("max_withdrawal_share", tk.config.get("ckanext.govopen.sync.max_withdrawal_share"))
        guard = rules.withdrawal_guard(set(known) - set(leaving), known, complete=True, max_share=float(max_share))
        if not guard.ok and not job_forced(job):
            self._save_gather_error(text(Message(GUARDED, reason=guard.reason)), job)
            return None

        ids = []
        for guid, flat, digest in upserts:
            obj = HarvestObject(guid=guid, job=job, content=json.dumps(flat, ensure_ascii=False),
                                package_id=known[guid].package_id if guid in known else None)
            obj.extras = [HarvestObjectExtra(key=store.HASH_KEY, value=digest)]
            obj.add()
            ids.append(obj)
        for guid, why in leaving.items():
            obj = HarvestObject(guid=guid, job=job, content=json.dumps({"withdraw": why}),
                                package_id=known[guid].package_id)
            obj.add()
            ids.append(obj)
        model.Session.commit()
        log.info("gathered %s: %d to write, %d to withdraw, %d unchanged", site, len(upserts), len(leaving),
                 len(visible) - len(upserts) - len(leaving))
        return [o.id for o in ids]

    # --- fetch ----------------------------------------------------------------------------------
    def fetch_stage(self, harvest_object) -> bool:
        return True  # the gather read each changed entry whole

    # --- import ---------------------------------------------------------------------------------
    def import_stage(self, harvest_object) -> bool | str:
        """Write or withdraw one entry. The object's outcome (state, report status, finish
        time) is committed with what it wrote, or with its error: `ckan govopen sync run`
        calls this alone, without ckanext-harvest's fetch_and_import_stages (five commits per
        object); on the consumer path that function records the same outcome again."""
        content = json.loads(harvest_object.content or "{}")
        try:
            if "withdraw" in content:
                return self._withdraw(harvest_object, content["withdraw"])
            return self._upsert(harvest_object, content)
        except tk.ValidationError as err:
            model.Session.rollback()
            fields = "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                               for k, v in (err.error_dict or {}).items())
            self._failed(harvest_object, text(N_("Not valid here, nothing written: {fields}")).format(fields=fields))
            return False
        except Exception as err:  # one bad object never stops the consumer or the job
            model.Session.rollback()
            log.exception("import of %s failed", harvest_object.guid)
            self._failed(harvest_object, text(N_("Import failed, nothing written: {error}")).format(error=err))
            return False

    def _upsert(self, obj, flat: dict[str, Any]) -> bool:
        package_id = apply.write_entry(flat, source_site=obj.source.url, config=_config(obj.source.config),
                                       user=self._get_user_name(), organizations=self._organizations(obj))
        # The dataset is committed; a kill before the next commit leaves the object pending,
        # and the next run writes it again, to the same dataset (its id is derived).
        earlier = self._make_current(obj, package_id)
        _outcome(obj, "COMPLETE", "updated" if earlier else "added")
        model.Session.commit()
        return True

    def _withdraw(self, obj, why: str) -> bool | str:
        if not obj.package_id or not apply.withdraw(obj.package_id, why, user=self._get_user_name()):
            _outcome(obj, "COMPLETE", "not modified")
            model.Session.commit()
            return "unchanged"
        self._make_current(obj, obj.package_id)
        obj.current = False
        _outcome(obj, "COMPLETE", "deleted")
        model.Session.commit()
        return True

    def _failed(self, obj, message: str) -> None:
        _outcome(obj, "ERROR", "errored")
        self._save_object_error(message, obj, "Import")  # commits the outcome with the error

    def _organizations(self, obj) -> dict[str, str]:
        """Department code -> organization id, met in this job (one lookup per department)."""
        if getattr(self, "_org_job", None) != obj.harvest_job_id:
            self._org_job, self._org_ids = obj.harvest_job_id, {}
        return self._org_ids

    def _make_current(self, obj, package_id: str) -> int:
        """OBJ is now what the dataset says; how many objects did before. Older objects lose
        their content too: an entry downgraded from open to restricted must not keep its old
        addresses in the database."""
        earlier = (model.Session.query(HarvestObject)
                   .filter(HarvestObject.package_id == package_id, HarvestObject.id != obj.id)
                   .update({"current": False, "content": None}, synchronize_session=False))
        obj.package_id = package_id
        obj.current = True
        obj.add()
        return earlier


def _outcome(obj, state: str, report_status: str) -> None:
    obj.state = state
    obj.report_status = report_status
    obj.import_finished = datetime.datetime.utcnow()


def job_forced(job) -> bool:
    """A job started with --force-withdrawals (ckan govopen sync run): full listing, no guard."""
    return bool(getattr(job, "govopen_force", False))
