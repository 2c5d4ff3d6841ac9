"""Pages, one blueprint module per domain: parse the request, call the action, render.
`guards` holds the checks every request passes, CKAN's own pages included."""
from ckanext.govopen.views.cascade import govopen_cascade
from ckanext.govopen.views.catalogue import govopen_catalogue
from ckanext.govopen.views.datastore import govopen_datastore
from ckanext.govopen.views.desk import govopen
from ckanext.govopen.views.guards import govopen_web
from ckanext.govopen.views.portal import govopen_portal
from ckanext.govopen.views.scorecard import govopen_scorecard
from ckanext.govopen.views.security import govopen_security, govopen_security_settings

__all__ = ["govopen", "govopen_web", "govopen_cascade", "govopen_portal", "govopen_catalogue", "govopen_datastore",
           "govopen_scorecard", "govopen_security", "govopen_security_settings"]
