"""The WSGI application gunicorn serves (docker/entrypoint.sh web): CKAN built from the config
that the entrypoint rendered, behind nginx.

ProxyFix makes CKAN see the client's address (login throttling and the security audit log use
it) and the scheme (HSTS and secure cookies) from the proxy's X-Forwarded-For and
X-Forwarded-Proto. GOVOPEN_TRUSTED_PROXIES is how many proxies stand in front of gunicorn and
append to X-Forwarded-For: 1 for docker/nginx.conf alone, 2 with a load balancer in front of it.
X-Forwarded-Proto is set (not appended) by nginx, so one value is trusted there.
"""
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from ckan.cli import load_config
from ckan.config.middleware import make_app

_hops = int(os.environ.get("GOVOPEN_TRUSTED_PROXIES", "1"))
application = ProxyFix(make_app(load_config(os.environ.get("CKAN_INI", "/etc/ckan/ckan.ini"))),
                       x_for=_hops, x_proto=1)
