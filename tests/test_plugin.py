import pytest

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import helpers


@pytest.mark.usefixtures("with_plugins")
def test_plugin_loads_with_its_companions():
    for name in ("govopen", "scheming_datasets", "scheming_organizations", "harvest", "activity"):
        assert p.plugin_loaded(name), name


@pytest.mark.usefixtures("with_plugins")
def test_options_are_declared_with_defaults():
    assert tk.config["ckanext.govopen.policy"] == "chaohu"
    assert tk.config["ckanext.govopen.demo.sysadmin_name"] == "govadmin"


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_portal_answers_in_chinese_first(app):
    res = app.get("/")
    assert res.status_code == 200
    assert 'lang="zh-Hans-CN"' in res.body or 'lang="zh_Hans_CN"' in res.body
    # English is offered beside Chinese.
    assert app.get("/en/").status_code == 200
    status = helpers.call_action("status_show")
    assert status["locale_default"] == "zh_Hans_CN"
    assert "govopen" in status["extensions"]


def test_start_up_names_the_missing_activity_plugin():
    from ckanext.govopen.plugin import GovopenPlugin

    with pytest.raises(RuntimeError, match="activity"):
        GovopenPlugin().update_config({"ckan.plugins": "govopen scheming_datasets"})
