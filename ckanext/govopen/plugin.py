"""The govopen plugin: declarations only; logic lives in the modules it names."""
from __future__ import annotations

import pathlib

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation
from ckanext.datastore.plugin import sql_functions_allowlist_file

from ckanext.govopen import translations

from ckanext.govopen.catalogue import hooks as catalogue
from ckanext.govopen.datastore import hooks as datastore
from ckanext.govopen.logic import schema as logic_schema
from ckanext.govopen.access import gate
from ckanext.govopen.security import duties
from ckanext.govopen.security import login as login_throttle
from ckanext.govopen.security import sealing
from ckanext.govopen.security import tokens as api_tokens
from ckanext.govopen.sync import hooks as sync


_SQL_FUNCTIONS = "ckan.datastore.sqlsearch.allowed_functions_file"


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
class GovopenPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)  # catalogs in i18n/ (DefaultTranslation finds them)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.ISignal)
    p.implements(p.IApiToken, inherit=True)

    # IConfigurer
    def update_config(self, config):
        plugins = config.get("ckan.plugins") or []
        names = plugins.split() if isinstance(plugins, str) else list(plugins)
        if "activity" not in names:
            # Without it CKAN fails later with "The action 'activity_diff' is not found for chained action".
            raise RuntimeError("govopen needs CKAN's activity plugin: add `activity` to ckan.plugins")
        try:  # fail closed: no identifier is ever stored in clear for want of a key
            sealing.keyring(config.get(sealing.KEYS_OPTION))
        except sealing.KeyProblem as problem:
            raise RuntimeError(f"govopen: {problem}") from None
        mixed = duties.overlap_problem(duties.names(config.get(duties.AUDITORS)),
                                       duties.names(config.get(duties.ADMINISTRATORS)))
        if mixed:
            raise RuntimeError(f"govopen: {mixed}")
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        # No page asks an outside service for anything: no Gravatar (initials instead).
        config["ckan.gravatar_default"] = "disabled"
        # datastore_search_sql calls only functions that cannot read past the tables CKAN checks
        # (datastore/sql.py), unless the portal names its own list.
        if "datastore" in names and \
                config.get(_SQL_FUNCTIONS) in (None, "", sql_functions_allowlist_file()):
            config[_SQL_FUNCTIONS] = str(pathlib.Path(__file__).with_name("datastore") / "allowed_functions.txt")

    def update_config_schema(self, schema):
        return logic_schema.editable_config(schema)

    # ISignal
    def get_signal_subscriptions(self):
        return {tk.signals.failed_login: [login_throttle.failed], tk.signals.user_logged_in: [login_throttle.succeeded]}

    # IApiToken
    def create_api_token_schema(self, schema):
        return api_tokens.schema(schema)

    def postprocess_api_token(self, data, jti, data_dict):
        return api_tokens.postprocess(data, jti, data_dict)

    # IMiddleware
    def make_middleware(self, app, config):
        translations.install(app)
        return app

    # IPackageController
    def after_dataset_update(self, context, pkg_dict):
        catalogue.record_category_changes(context, pkg_dict)
        datastore.keep_loaded_tables_active(pkg_dict)
        gate.scrub_stored_activity([pkg_dict.get("id")])

    def after_dataset_show(self, context, pkg_dict):
        gate.filter_package_dict(context, pkg_dict)

    def before_dataset_index(self, pkg_dict):
        return sync.validated_harvest_source(gate.scrub_index(catalogue.index_multi_values(pkg_dict)))

    def after_dataset_search(self, search_results, search_params):
        return catalogue.label_facets(search_results)

    # IResourceController
    def after_resource_create(self, context, resource):
        datastore.resource_changed(resource)

    def after_resource_update(self, context, resource):
        datastore.resource_changed(resource)

    # IFacets
    def dataset_facets(self, facets_dict, package_type):
        return catalogue.facets(facets_dict)

    def organization_facets(self, facets_dict, organization_type, package_type):
        return catalogue.facets(facets_dict)
