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


@demo.command("login")
def demo_login() -> None:
    """Print the demo sysadmin's user name and password."""
    import ckan.plugins.toolkit as tk

    click.echo("{} / {}".format(tk.config["ckanext.govopen.demo.sysadmin_name"],
                                tk.config["ckanext.govopen.demo.sysadmin_password"]))
