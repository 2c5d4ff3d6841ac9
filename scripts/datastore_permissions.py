"""Print the SQL that sets up a DataStore database: CKAN's own set_permissions.sql (the file
`ckan datastore set-permissions` prints), filled in with our database and user names.
Usage: python scripts/datastore_permissions.py MAIN_DB DATASTORE_DB WRITE_USER READ_USER
(run through psql as a superuser, see scripts/pg.sh datastore). The datastore plugin need not be
enabled in any config for this, unlike `ckan datastore set-permissions`."""
import pathlib
import re
import sys

import ckanext.datastore

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def main(maindb: str, datastoredb: str, writeuser: str, readuser: str) -> str:
    for name in (maindb, datastoredb, writeuser, readuser):
        if not _NAME.fullmatch(name):  # the names go into SQL unquoted, as CKAN's template has them
            raise SystemExit(f"not a plain PostgreSQL name: {name!r}")
    template = pathlib.Path(ckanext.datastore.__file__).with_name("set_permissions.sql").read_text()
    return template.format(maindb=maindb, datastoredb=datastoredb, mainuser=writeuser, writeuser=writeuser,
                           readuser=readuser)


if __name__ == "__main__":
    print(main(*sys.argv[1:5]))
