#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume
# (/docker-entrypoint-initdb.d). Makes what scripts/pg.sh makes for a development portal:
#   role ckan (CKAN_DB_PASSWORD): owns the main database "ckan" and the DataStore database
#     "datastore", and writes the DataStore; not a superuser;
#   role datastore_ro (DATASTORE_RO_PASSWORD): may connect to "datastore" only and only read it.
# The grants are CKAN 2.12's ckanext/datastore/set_permissions.sql (what `ckan datastore
# set-permissions` prints, and what scripts/datastore_permissions.py fills in), with the names below.
set -euo pipefail
: "${CKAN_DB_PASSWORD:?CKAN_DB_PASSWORD is empty: set it in docker/.env}"
: "${DATASTORE_RO_PASSWORD:?DATASTORE_RO_PASSWORD is empty: set it in docker/.env}"

main_db=ckan
datastore_db=datastore
write_user=ckan
read_user=datastore_ro

psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password -qAtX)

"${psql[@]}" --dbname postgres \
  -v write_user="$write_user" -v read_user="$read_user" \
  -v write_pw="$CKAN_DB_PASSWORD" -v read_pw="$DATASTORE_RO_PASSWORD" \
  -v main_db="$main_db" -v datastore_db="$datastore_db" <<'SQL'
CREATE ROLE :"write_user" LOGIN PASSWORD :'write_pw';
CREATE ROLE :"read_user" LOGIN PASSWORD :'read_pw';
CREATE DATABASE :"main_db" OWNER :"write_user" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"datastore_db" OWNER :"write_user" ENCODING 'UTF8' TEMPLATE template0;
-- Every database grants CONNECT to PUBLIC: keep the read-only user out of the main one
-- (as scripts/pg.sh datastore does).
REVOKE CONNECT ON DATABASE :"main_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"main_db" TO :"write_user";
SQL

"${psql[@]}" --dbname "$datastore_db" \
  -v writeuser="$write_user" -v readuser="$read_user" \
  -v maindb="$main_db" -v datastoredb="$datastore_db" <<'SQL'
SET client_min_messages = warning;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO :"writeuser";
GRANT USAGE ON SCHEMA public TO :"writeuser";
REVOKE CONNECT ON DATABASE :"maindb" FROM :"readuser";
GRANT CONNECT ON DATABASE :"datastoredb" TO :"readuser";
GRANT USAGE ON SCHEMA public TO :"readuser";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"readuser";
ALTER DEFAULT PRIVILEGES FOR USER :"writeuser" IN SCHEMA public GRANT SELECT ON TABLES TO :"readuser";

CREATE OR REPLACE VIEW "_table_metadata" AS
    SELECT DISTINCT
        substr(md5(dependee.relname || COALESCE(dependent.relname, '')), 0, 17) AS "_id",
        dependee.relname AS name,
        dependee.oid AS oid,
        dependent.relname AS alias_of
    FROM
        pg_class AS dependee
        LEFT OUTER JOIN pg_rewrite AS r ON r.ev_class = dependee.oid
        LEFT OUTER JOIN pg_depend AS d ON d.objid = r.oid
        LEFT OUTER JOIN pg_class AS dependent ON d.refobjid = dependent.oid
    WHERE
        (dependee.oid != dependent.oid OR dependent.oid IS NULL) AND
        (dependee.relkind = 'r'::"char" OR dependee.relkind = 'v'::"char")
        AND dependee.relnamespace = (
            SELECT oid FROM pg_namespace WHERE nspname='public')
        AND NOT starts_with(dependee.relname, '_')
    ORDER BY dependee.oid DESC;
ALTER VIEW "_table_metadata" OWNER TO :"writeuser";
GRANT SELECT ON "_table_metadata" TO :"readuser";

CREATE OR REPLACE FUNCTION populate_full_text_trigger() RETURNS trigger
AS $body$
    BEGIN
        IF NEW._full_text IS NOT NULL THEN
            RETURN NEW;
        END IF;
        NEW._full_text := (
            SELECT to_tsvector(string_agg(value, ' '))
            FROM json_each_text(row_to_json(NEW.*))
            WHERE key NOT LIKE '\_%');
        RETURN NEW;
    END;
$body$ LANGUAGE plpgsql;
ALTER FUNCTION populate_full_text_trigger() OWNER TO :"writeuser";

CREATE TABLE IF NOT EXISTS "_table_stats" (
    "resource_id" name PRIMARY KEY,
    "stats" jsonb NOT NULL
);
ALTER TABLE "_table_stats" OWNER TO :"writeuser";

CREATE OR REPLACE FUNCTION update_cached_table_row_count(table_name name)
    RETURNS BIGINT
AS $body$
    DECLARE
        row_count BIGINT;
    BEGIN
        EXECUTE format('SELECT count(*) FROM public.%I', table_name)
            INTO row_count;
        INSERT INTO "_table_stats"
            VALUES (table_name, jsonb_build_object('rows', row_count))
            ON CONFLICT ("resource_id") DO UPDATE SET "stats" =
                jsonb_set("_table_stats"."stats", array['rows'], to_jsonb(row_count));
        RETURN row_count;
    END;
$body$ LANGUAGE plpgsql;
ALTER FUNCTION update_cached_table_row_count(name) OWNER TO :"writeuser";

CREATE OR REPLACE FUNCTION cached_table_row_count(table_name name)
    RETURNS BIGINT
AS $body$
    DECLARE
        row_count BIGINT;
    BEGIN
        SELECT stats -> 'rows' INTO row_count FROM "_table_stats"
            WHERE "resource_id" = table_name;
        IF row_count IS NULL THEN
            SELECT update_cached_table_row_count(table_name) INTO row_count;
        END IF;
        RETURN row_count;
    END;
$body$ LANGUAGE plpgsql;
ALTER FUNCTION cached_table_row_count(name) OWNER TO :"writeuser";

CREATE OR REPLACE FUNCTION update_table_stats(table_name name)
    RETURNS BOOL
AS $body$
    BEGIN
        EXECUTE format('ANALYZE public.%I', table_name);
        PERFORM cached_table_row_count(table_name);
        RETURN TRUE;
    END;
$body$ LANGUAGE plpgsql;
ALTER FUNCTION update_table_stats(name) OWNER TO :"writeuser";
SQL
echo "postgres-init: databases $main_db and $datastore_db, roles $write_user and $read_user (read-only) created"
