"""Upward sync: city catalogues carried to the provincial and national portals (issue #13).

Pure (no CKAN imports): `rules` (which entries travel to which target, what of a restricted
entry travels, provenance and the harvest chain, identity, the content hash that makes a
re-run write nothing, the mass-withdrawal guard, source-config checks). The harvester glue
(ckanext-harvest's gather / fetch / import), its actions and pages are still to be built on
these rules; see the issue and the session notes.
"""
