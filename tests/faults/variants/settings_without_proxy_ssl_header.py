"""Test-only: the example's settings without SECURE_PROXY_SSL_HEADER, to show the redirect loop it prevents.

Not a settings layout for readers: the example has one settings module.
"""

from staff.settings import *  # noqa: F403

del SECURE_PROXY_SSL_HEADER  # noqa: F821 (Django's default, None, applies)
