"""The Solr core configuration of a govopen portal: the schema derived from CKAN's own with
Chinese-aware analysis (`schema`, pure), and the solrconfig.xml. Shipped in the wheel, so that a
portal installed with pip can make its core: `ckan govopen solr-config DIR`."""
