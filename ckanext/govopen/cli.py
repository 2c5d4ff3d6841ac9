"""`ckan govopen …` commands. Thin: each calls actions or the demo loader."""
from __future__ import annotations

import click

__all__ = ["govopen"]


@click.group(short_help="govopen portal commands")
def govopen() -> None:
    """Commands of the govopen portal."""


@govopen.group()
def demo() -> None:
    """Demo data for development portals."""


@demo.command("load")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def demo_load(quiet: bool) -> None:
    """Create the demo city portal: departments, datasets, CSV uploads. Idempotent."""
    from ckanext.govopen.demo import loader

    def progress(msg: str) -> None:
        if not quiet:
            click.echo(msg)

    summary = loader.load(progress)
    click.secho(
        "Demo data: {departments} departments, {datasets} datasets "
        "({created} created, {existing} already there)".format(**summary),
        fg="green",
    )
    click.echo("Demo sysadmin: {user} / {password}".format(**summary))
    click.echo("Demo users (same password): `ckan govopen demo login` lists them")


@demo.command("login")
def demo_login() -> None:
    """Print the demo sysadmin's user name and password."""
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.demo.requests import PEOPLE

    password = tk.config["ckanext.govopen.demo.sysadmin_password"]
    click.echo("{} / {}".format(tk.config["ckanext.govopen.demo.sysadmin_name"], password))
    for name, fullname, _org, _capacity in PEOPLE:
        click.echo(f"  {name} / {password}  {fullname}")


@govopen.command("deadline")
@click.option("--kind", required=True,
              type=click.Choice(["open_application", "share_application", "objection", "correction"]),
              help="Request kind.")
@click.option("--start", required=True, help="The day the clock starts, YYYY-MM-DD.")
@click.option("--policy", default=None, help="Policy profile (default: ckanext.govopen.policy).")
@click.option("--variant", default=None, help="A variant of the kind's rule, e.g. platform_held.")
def deadline(kind: str, start: str, policy: str | None, variant: str | None) -> None:
    """Print when a request must be answered (same as the govopen_deadline action)."""
    import ckan.plugins.toolkit as tk

    data = {"kind": kind, "start": start}
    if policy:
        data["policy"] = policy
    if variant:
        data["variant"] = variant
    try:
        result = tk.get_action("govopen_deadline")({"ignore_auth": True}, data)
    except tk.ValidationError as e:
        for field, errors in e.error_dict.items():
            click.secho(f"{field}: {'; '.join(map(str, errors))}", fg="red", err=True)
        raise click.exceptions.Exit(2)
    unit = {"working_days": "working days", "calendar_days": "days"}[result["unit"]]
    click.echo(f"policy:         {result['policy']} ({result['citation']})")
    click.echo(f"clock starts:   {result['start']} ({result['clock_start']}; not counted)")
    click.echo(f"length:         {result['length']} {unit}")
    click.echo(f"due:            {result['due']} (ends {result['ends_at']})")
    click.echo(f"calendar known: {'yes' if result['calendar_known'] else 'no'}")
    for warning in result["warnings"]:
        click.secho(f"warning: {warning}", fg="yellow")


@govopen.command("purge-identifiers")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
def purge_identifiers(dry_run: bool) -> None:
    """Remove ID numbers and credit codes from requests closed longer ago than
    ckanext.govopen.requests.retention_years."""
    import datetime

    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.requests import store as request_store

    years = tk.config["ckanext.govopen.requests.retention_years"]
    cutoff = datetime.datetime.utcnow() - datetime.timedelta(days=365 * years + years // 4)
    count = request_store.purge_identifiers(cutoff)
    if dry_run:
        model.Session.rollback()
        click.echo(f"{count} closed requests (before {cutoff:%Y-%m-%d}) hold identifiers; nothing changed")
    else:
        model.Session.commit()
        click.echo(f"purged identifiers from {count} requests closed before {cutoff:%Y-%m-%d}")


@govopen.group()
def identifiers() -> None:
    """Applicants' identifiers sealed at rest (ckanext.govopen.identifier_keys)."""


@identifiers.command("reseal")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def identifiers_reseal(batch: int) -> None:
    """Seal every stored identifier with the first configured key: after adding a new key in
    front of the option (then drop the old key), or for identifiers stored in clear."""
    from ckanext.govopen.security import reseal

    counts = reseal.reseal(batch, click.echo)
    for table, _column in reseal.TABLES:
        click.echo(f"{table}: {counts[table]} rows resealed, {counts[table + ' unreadable']} identifiers "
                   "no configured key opens")
    left = reseal.clear_count()
    click.secho(f"identifiers in clear: {left}", fg="green" if not left else "red")


@identifiers.command("new-key")
def identifiers_new_key() -> None:
    """Print a new key for ckanext.govopen.identifier_keys."""
    from ckanext.govopen.security import sealing

    click.echo(sealing.new_key())


@govopen.command("sla-sweep")
@click.option("--today", default=None, help="Sweep as if today were YYYY-MM-DD (default: today in Beijing).")
@click.option("--quiet", is_flag=True, help="Print nothing unless something was done.")
def sla_sweep(today: str | None, quiet: bool) -> None:
    """Let deadlines act: deemed approvals, escalations, reminders, grant-expiry notices, and
    mail still unsent. Safe to run often, and twice at once."""
    import datetime

    from ckanext.govopen.requests import sweep

    try:
        day = datetime.date.fromisoformat(today) if today else None
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--today")
    counts = sweep.run(day)
    labels = {"deemed_approved": "deemed approved", "escalated": "escalated", "reminders": "reminders queued",
              "grant_notices": "grant notices queued", "suspended": "privacy suspensions",
              "mail_pending": "mail waiting to be sent"}
    if quiet and not any(counts[k] for k in labels if k != "mail_pending") \
            and not counts["failed_steps"] and not counts["skipped_requests"]:
        return
    for key, label in labels.items():
        click.echo(f"{label}: {counts[key]}")
    for rid in counts["skipped_requests"]:
        click.echo(f"skipped (requested period is not a date): {rid}", err=True)
    for step in counts["failed_steps"]:
        click.echo(f"failed and undone: {step}", err=True)
    if counts["failed_steps"]:
        raise SystemExit(1)


@govopen.command("scrub-activity")
def scrub_activity() -> None:
    """Withhold restricted resource URLs from every stored activity snapshot. New snapshots are
    stored scrubbed, and a dataset's history is scrubbed when it stops being public; run this
    once on a portal upgraded from a version that stored them unscrubbed."""
    import ckan.model as model

    from ckanext.govopen.access import gate

    changed = gate.scrub_stored_activity()
    model.Session.commit()
    click.echo(f"{changed} activity snapshots scrubbed")


@govopen.group()
def sync() -> None:
    """Upward sync: harvest a city (or provincial) govopen portal into this one."""


@sync.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--target", required=True, type=click.Choice(["open_portal", "sharing_platform"]),
              help="open_portal: unconditional and on-application entries; sharing_platform: every "
                   "non-classified entry.")
@click.option("--title", default=None, help="The source's title (default: NAME).")
@click.option("--region-code", default=None, help="The source's region code, e.g. 340181.")
@click.option("--department", "departments", multiple=True, help="Take only this department code (repeatable).")
@click.option("--max-withdrawal-share", type=float, default=None, help="This source's mass-withdrawal guard.")
@click.option("--organization", default=None, help="The organization owning the source (default: the data authority).")
@click.option("--push", is_flag=True, help="The portal at URL reports to this one (it cannot be reached): "
                                           "its shared secret goes in ckanext.govopen.sync.origins_file.")
def sync_add(name, url, target, title, region_code, departments, max_withdrawal_share, organization, push) -> None:
    """Create or update the harvest source NAME reading the portal at URL (or, with --push,
    receiving its reports). Tokens and secrets go in the files named by
    ckanext.govopen.sync.tokens_file and .origins_file, never here."""
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.sync import runner

    config = {"target": target}
    if region_code:
        config["region_code"] = region_code
    if departments:
        config["departments"] = list(departments)
    if max_withdrawal_share is not None:
        config["max_withdrawal_share"] = max_withdrawal_share
    if push:
        config["push"] = True
    try:
        source = runner.add_source(name, url, config, title, organization)
    except tk.ValidationError as err:
        for field, messages in (err.error_dict or {}).items():
            click.secho(f"{field}: {messages}", fg="red", err=True)
        raise SystemExit(1)
    click.echo(f"source {source['name']}: {source['url']} ({target}{', reports to this portal' if push else ''})")


@sync.command("run")
@click.argument("source")
@click.option("--force-withdrawals", is_flag=True,
              help="List everything and apply withdrawals beyond the mass-withdrawal guard (once).")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def sync_run(source: str, force_withdrawals: bool, quiet: bool) -> None:
    """Run one sync job of SOURCE now, in this process (completing one a kill interrupted)."""
    from ckanext.govopen.sync import runner

    try:
        result = runner.run(source, force_withdrawals, progress=(lambda m: None) if quiet else click.echo)
    except runner.RunError as err:
        click.secho(f"sync of {source} failed: {err}", fg="red", err=True)
        raise SystemExit(1)
    click.secho("{added} added, {updated} updated, {withdrawn} withdrawn, {errored} with errors".format(**result),
                fg="yellow" if result["errored"] else "green")
    for line in result["errors"]:
        click.echo(f"  {line}", err=True)


@sync.command("consume")
@click.argument("stage", type=click.Choice(["gather", "fetch"]))
def sync_consume(stage: str) -> None:
    """Consume the harvest gather or fetch queue (for every source type), surviving idle
    queues and Redis restarts. Use instead of `ckan harvester gather-consumer`/`fetch-consumer`."""
    from ckanext.govopen.sync import runner

    runner.consume(stage)


@govopen.command("report")
@click.option("--target", "names", multiple=True, help="A target in ckanext.govopen.sync.targets_file (repeatable).")
@click.option("--all", "every", is_flag=True, help="Every configured target (the scheduled run).")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def report(names: tuple[str, ...], every: bool, quiet: bool) -> None:
    """Report this portal's catalogue to portals of the tier above (push: report, re-report,
    revoke in one idempotent exchange). An interrupted report is completed by running it again."""
    from ckanext.govopen.sync import report as push

    try:
        chosen = list(push.targets()) if every else list(names)
    except push.ReportFailed as err:
        click.secho(str(err), fg="red", err=True)
        raise SystemExit(1)
    if not chosen:
        click.echo("nothing to report to: name a --target, or --all with targets configured")
        return
    failed = False
    for name in chosen:
        try:
            result = push.report(name, progress=(lambda m: None) if quiet else click.echo)
        except push.ReportFailed as err:
            failed = True
            click.secho(f"report to {name} failed{f' ({err.code})' if err.code else ''}: {err}", fg="red", err=True)
            continue
        click.secho("{target}: {listed} listed, {wanted} sent; {added} added, {updated} updated, {withdrawn} withdrawn, "
                    "{errored} with errors".format(**result), fg="yellow" if result["refused"] else "green")
        for refusal in result["refused"]:
            click.echo(f"  {refusal['id']}: {refusal['code']} {refusal.get('message', '')}", err=True)
    if failed:
        raise SystemExit(1)


@govopen.command("forward")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def forward(quiet: bool) -> None:
    """Send the applications made here for copies to their origin portals (queued ones are
    retried; an origin files each once), then bring back where the open ones stand there."""
    from ckanext.govopen.sync import forward as forwarding

    result = forwarding.run(progress=(lambda m: None) if quiet else click.echo)
    if quiet:
        click.echo("{sent} sent, {failed} failed, {waiting} waiting to be sent; {updated} updated, "
                   "{answered} answered".format(**result))


@govopen.group()
def catalogue() -> None:
    """The catalogue in the national template's spreadsheets: import and export."""


def _site_user() -> str:
    import ckan.plugins.toolkit as tk

    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


@catalogue.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--organization", default=None,
              help="The department (name or id) the entries belong to; rows naming another department fail. "
                   "Default: each row's 信息资源提供方.")
@click.option("--valid-rows-only", is_flag=True, help="Import the valid rows even when others fail.")
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="Write the report to this file (.csv or .xlsx).")
@click.option("--user", default=None, help="Import as this user (default: the site user).")
def catalogue_import(path: str, organization: str | None, valid_rows_only: bool, report_path: str | None,
                     user: str | None) -> None:
    """Import catalogue entries from an XLSX or CSV file in the national template.

    Every row is checked with the same rules as the form and the API. A file with errors imports
    nothing unless --valid-rows-only is given. Entries are matched by catalogue code: a re-import
    updates what changed. Exit status 1 when any row failed.
    """
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.catalogue import importer, report_file
    from ckanext.govopen.translations import _

    org_id = None
    if organization:
        try:
            org_id = tk.get_action("organization_show")({"ignore_auth": True}, {"id": organization})["id"]
        except tk.ObjectNotFound:
            raise click.BadParameter(_("No such department: {name}").format(name=organization), param_hint="--organization")
    with open(path, "rb") as f:
        data = f.read()
    with click.progressbar(length=1, label=_("Checking and importing"), file=click.get_text_stream("stderr")) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        result = importer.run(data, path, user=user or _site_user(), organization=org_id,
                              valid_rows_only=valid_rows_only, progress=progress)
    for error in result.errors:
        click.secho(_("row {row}, {column} [{value}]: {message}").format(**error), fg="red", err=True)
    if report_path:
        with open(report_path, "wb") as f:
            f.write(report_file.render(result, report_path))
    summary = _("{total} rows: {created} created, {updated} updated, {unchanged} unchanged, {failed} failed").format(
        **result.as_dict())
    if result.failed and not result.imported and not valid_rows_only:
        summary += " " + _("(nothing imported: fix the rows, or use --valid-rows-only)")
    click.secho(summary, fg="red" if result.failed else "green")
    if result.failed or (result.errors and not result.total):
        raise click.exceptions.Exit(1)


@catalogue.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--organization", default=None, help="Only this department's entries (name).")
@click.option("--negative-list", is_flag=True, help="Only the not-shared and not-open entries.")
@click.option("-q", "--query", default=None, help="A search query, as on the catalogue page.")
def catalogue_export(path: str, organization: str | None, negative_list: bool, query: str | None) -> None:
    """Export the catalogue (or part of it) to PATH: .xlsx in the national template, or .csv.

    Exports what the public sees plus private entries (as the site user): a re-import of the
    file changes nothing.
    """
    from ckanext.govopen.catalogue import export
    from ckanext.govopen.translations import _

    filters = {k: v for k, v in {"organization": organization, "q": query}.items() if v}
    found = export.datasets({"user": _site_user()}, filters, negative=negative_list)
    data = export.csv_bytes(found) if path.lower().endswith(".csv") else export.xlsx(found)
    with open(path, "wb") as f:
        f.write(data)
    click.secho(_("Written: {path}").format(path=path), fg="green")


@govopen.group()
def scorecard() -> None:
    """The department scorecard (考核)."""


@scorecard.command("freeze")
@click.argument("period")
@click.option("--replace", is_flag=True, help="Replace the period's snapshot (a deliberate correction).")
def scorecard_freeze(period: str, replace: bool) -> None:
    """Freeze the scorecard of a closed PERIOD (2025 or 2025Q3) as its snapshot. A closed period
    is frozen anyway the first time it is read; run this at the start of each quarter (from the
    scheduler) so the snapshot does not wait for a reader, or with --replace after correcting
    the data of a closed period."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.requests import store
    from ckanext.govopen.scorecard import collect, figures

    try:
        figures.period_range(period)
        weights = figures.parse_weights(tk.config["ckanext.govopen.scorecard.weights"])
        found = collect.freeze(period, store.today(), weights, replace=replace)
    except ValueError as err:
        raise click.BadParameter(f"a closed year (2025) or quarter (2025Q3): {err}", param_hint="PERIOD")
    model.repo.commit()
    click.echo(f"{found['period']}: {len(found['departments'])} departments, frozen {found['frozen']}")


@scorecard.command("export")
@click.argument("period")
@click.argument("path", type=click.Path(dir_okay=False))
def scorecard_export(period: str, path: str) -> None:
    """Write the scorecard of PERIOD to PATH (.xlsx or .csv), in the portal's default language."""
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.scorecard import export

    try:
        card = tk.get_action("govopen_scorecard")({"ignore_auth": True}, {"period": period})
    except tk.ValidationError as err:
        raise click.BadParameter(str(err.error_dict), param_hint="PERIOD")
    data = export.csv_bytes(card) if path.lower().endswith(".csv") else export.xlsx_bytes(card)
    with open(path, "wb") as f:
        f.write(data)
    click.echo(f"written: {path} ({len(card['departments'])} departments)")


@govopen.command("solr-config")
@click.argument("directory", type=click.Path(file_okay=False))
def solr_config(directory: str) -> None:
    """Write the Solr core configuration of this portal into DIRECTORY/conf: the schema derived
    from the installed CKAN's (Chinese-aware text analysis, multi-valued custom fields),
    solrconfig.xml and empty word lists. Create the core from it (Solr's `solr create -d DIRECTORY`,
    or `solr-precreate NAME DIRECTORY` in the official image); CKAN's stock schema cannot index a
    dataset with two themes."""
    from ckanext.govopen.solr import schema

    try:
        written = schema.configset(directory)
    except schema.SchemaError as err:
        raise click.ClickException(str(err))
    for path in written:
        click.echo(path)
