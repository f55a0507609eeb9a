"""Test-only: the example's settings with CONN_HEALTH_CHECKS off, to show what the guide's setting prevents.

Not a settings layout for readers: the example has one settings module.
"""

from staff.settings import *  # noqa: F403
from staff.settings import DATABASES

DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
