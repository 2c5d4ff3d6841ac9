"""govopen_* actions (and the CKAN actions the access gate chains), by area."""
from .catalogue import *  # noqa: F401,F403
from .catalogue import __all__ as _catalogue
from .requests import *  # noqa: F401,F403
from .requests import __all__ as _requests
from .desk import *  # noqa: F401,F403
from .desk import __all__ as _desk
from .sync import *  # noqa: F401,F403
from .sync import __all__ as _sync
from .portal import *  # noqa: F401,F403
from .portal import __all__ as _portal
from .datastore import *  # noqa: F401,F403
from .datastore import __all__ as _datastore
from .scorecard import *  # noqa: F401,F403
from .scorecard import __all__ as _scorecard
from .security import *  # noqa: F401,F403
from .security import __all__ as _security

__all__ = [*_catalogue, *_requests, *_desk, *_sync, *_portal, *_datastore, *_scorecard, *_security]
