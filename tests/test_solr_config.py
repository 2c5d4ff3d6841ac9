"""The Solr core configuration ships in the package: `ckan govopen solr-config DIR` writes it,
from the installed CKAN's schema."""
from __future__ import annotations

import pytest

from ckanext.govopen.solr import schema


def test_the_configset_holds_a_chinese_aware_schema(tmp_path):
    written = schema.configset(tmp_path)
    assert sorted(p.name for p in written) == ["protwords.txt", "schema.xml", "solrconfig.xml", "stopwords.txt",
                                                "synonyms.txt"]
    text = (tmp_path / "conf" / "schema.xml").read_text("utf-8")
    assert 'name="ckan-2.12"' in text and "solr.CJKBigramFilterFactory" in text
    assert '<dynamicField name="*" type="string" indexed="true" stored="false" multiValued="true"/>' in text \
        or 'multiValued="true"' in text.split('dynamicField name="*"')[1].split("/>")[0]
    assert (tmp_path / "conf" / "solrconfig.xml").read_bytes() == schema.SOLRCONFIG.read_bytes()


def test_an_unexpected_ckan_schema_is_named(tmp_path):
    odd = tmp_path / "schema.xml"
    odd.write_text('<?xml version="1.0"?><schema name="other-1.0"></schema>')
    with pytest.raises(schema.SchemaError, match="other-1.0"):
        schema.configset(tmp_path / "out", odd)


def test_the_command(cli, tmp_path):
    from ckan.cli.cli import ckan

    result = cli.invoke(ckan, ["govopen", "solr-config", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "conf" / "schema.xml").is_file() and "schema.xml" in result.output
