"""With DEBUG off, a server error reaches the addresses in ADMINS by e-mail, as step 11 says."""

import logging

import django
from django.conf import settings
from django.core import mail
from django.test import RequestFactory, override_settings

ADDRESSES = ["ops@example.com"]
# The form the example's settings give ADMINS on this Django (see [start:admins]).
ADMINS = ADDRESSES if django.VERSION >= (6, 0) else [(a, a) for a in ADDRESSES]


def test_a_server_error_is_mailed_to_the_admins():
    assert settings.ADMINS == [], "the tests run without DJANGO_ADMINS: nobody is mailed"
    request = RequestFactory().get("/staff/1/rate/", secure=True)
    with override_settings(ADMINS=ADMINS, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        # What Django's request handler logs for an unhandled exception (a 500).
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, extra={"status_code": 500, "request": request}
        )
    assert len(mail.outbox) == 1, "Django's mail_admins handler sent nothing"
    message = mail.outbox[0]
    assert message.to == ADDRESSES
    assert message.from_email == settings.SERVER_EMAIL == settings.DEFAULT_FROM_EMAIL
    assert "Internal Server Error: /staff/1/rate/" in message.subject
