"""The example app under production settings: pages, the rating form and its e-mail, the admin, errors mailed.

Requests say they came through Heroku's router over HTTPS, as every request
to a dyno does, with the Host of an app at herokuapp.com and the
X-Forwarded-Proto header the router adds (heroku.HTTPS). HTTPS and static
files are checked by the probe of a running app (heroku/probe.py), here
through Django's test client.
"""

import logging

import django
import pytest
from calibration.models import CalibrationRating, StaffMember
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import mail
from django.core.files.storage import storages
from django.test import Client, RequestFactory, override_settings
from heroku import HTTPS, probe, unused_port
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Templates link static files through the manifest that collectstatic writes.
pytestmark = pytest.mark.usefixtures("collected_static_files")


@pytest.fixture
def ada(db):
    return StaffMember.objects.create(name="Ada Lovelace", email="ada@example.com", role="Analyst")


class ClientAsServer:
    """Django's test client as the Server (heroku/dyno.py) that heroku/probe.py probes."""

    def __init__(self, client):
        self.client = client

    def request(self, method, path, *, headers=None):
        response = self.client.generic(method, path, headers=headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        response.close()
        return response.status_code, {name.lower(): value for name, value in response.items()}, body

    def log(self):
        return "(Django's test client: the app's log is pytest's captured output)"


@pytest.fixture
def app(client, db):
    return ClientAsServer(client)


def test_whitenoise_comes_after_the_security_middleware_and_its_runserver_before_staticfiles():
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    apps = settings.INSTALLED_APPS
    assert apps.index("whitenoise.runserver_nostatic") < apps.index("django.contrib.staticfiles")


def test_static_files_are_stored_hashed_and_compressed_and_served_so(app):
    # Django 5.1 removed STATICFILES_STORAGE and ignores it without a word:
    # only STORAGES["staticfiles"] chooses the backend.
    assert isinstance(storages["staticfiles"], CompressedManifestStaticFilesStorage)
    link = probe.hashed_stylesheet(probe.https_only(app), "/css/site.")
    assert link == staticfiles_storage.url("css/site.css")
    probe.static_file_served(app, link, text=".site-header")
    probe.admin_styled(app)  # the admin's login page, with its hashed stylesheets


def test_the_test_client_gets_the_https_redirect_with_its_path_and_query(app, ada):
    probe.https_only(app, f"/staff/{ada.pk}/rate/?x=1")


def test_https_responses_carry_hsts_for_the_settings_duration_and_subdomains(app):
    hsts = f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains"
    assert probe.get(app, "/")[1]["strict-transport-security"] == hsts


# (path, status, shown, not shown in any case); {ada} is a staff member's id.
PAGES = {
    "staff-list-empty": ("/", 200, [b"No staff yet"], []),
    "unknown-page-plain-404": ("/no-such-page/", 404, [b"Page not found"], [b"traceback", b"urlpatterns", b"urlconf"]),
    "rating-form-shows-the-scores": ("/staff/{ada}/rate/", 200, [b"3: meets expectations"], []),
    "rating-somebody-unknown": ("/staff/999/rate/", 404, [], []),
}


@pytest.mark.parametrize(("path", "status", "shown", "not_shown"), PAGES.values(), ids=PAGES.keys())
def test_pages(client, db, request, path, status, shown, not_shown):
    ada = request.getfixturevalue("ada") if "{ada}" in path else None
    response = client.get(path.format(ada=ada and ada.pk), headers=HTTPS)
    assert response.status_code == status
    assert all(text in response.content for text in shown)
    assert not any(text in response.content.lower() for text in not_shown)


def test_an_unknown_host_is_refused(client, db):
    assert client.get("/", headers={**HTTPS, "Host": "evil.example.com"}).status_code == 400


def test_the_staff_list_shows_each_member_with_their_average(client, ada):
    CalibrationRating.objects.create(staff_member=ada, score=3)
    CalibrationRating.objects.create(staff_member=ada, score=4)
    response = client.get("/", headers=HTTPS)
    assert response.status_code == 200
    assert [(m.name, m.average_score, m.rating_count) for m in response.context["staff"]] == [("Ada Lovelace", 3.5, 2)]
    assert b"3.5" in response.content


def test_models_read_as_their_names(ada):
    rating = CalibrationRating.objects.create(staff_member=ada, score=5)
    assert (str(ada), str(rating)) == ("Ada Lovelace", "Ada Lovelace: 5")


def test_a_rating_is_saved_shown_and_the_staff_member_told_by_mail(client, ada):
    data = {"score": "4", "comment": "Clear reports."}
    response = client.post(f"/staff/{ada.pk}/rate/", data, headers=HTTPS, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert b"Rating for Ada Lovelace saved." in response.content
    assert ada.ratings.get().score == 4
    [message] = mail.outbox
    assert (message.to, message.from_email) == (["ada@example.com"], settings.DEFAULT_FROM_EMAIL)
    assert message.subject == "You have a new calibration rating"
    assert "4: exceeds expectations" in message.body and "Clear reports." in message.body


def test_a_score_out_of_range_is_refused_and_nothing_is_sent(client, ada):
    response = client.post(f"/staff/{ada.pk}/rate/", {"score": "9"}, headers=HTTPS)
    assert response.status_code == 200
    assert response.context["form"].errors["score"]
    assert not ada.ratings.exists() and mail.outbox == []


def test_a_mail_server_that_is_down_loses_no_rating(client, ada, settings, caplog):
    # A real SMTP connection to a port nothing listens on: refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", unused_port(), False
    with caplog.at_level(logging.ERROR, logger="calibration.views"):
        response = client.post(f"/staff/{ada.pk}/rate/", {"score": "2"}, headers=HTTPS)
    assert response.status_code == 302
    assert ada.ratings.get().score == 2
    assert "Could not send the rating e-mail for Ada Lovelace" in caplog.text


def test_the_form_refuses_a_post_without_its_csrf_token(ada):
    response = Client(enforce_csrf_checks=True).post(f"/staff/{ada.pk}/rate/", {"score": "4"}, headers=HTTPS)
    assert response.status_code == 403


def test_an_admin_sees_the_staff_with_their_ratings(admin_client, ada):
    CalibrationRating.objects.create(staff_member=ada, score=3)
    response = admin_client.get(f"/admin/calibration/staffmember/{ada.pk}/change/", headers=HTTPS)
    assert response.status_code == 200
    assert b"3: meets expectations" in response.content


def test_a_server_error_is_mailed_to_the_admins():
    """With DEBUG off, a server error reaches the addresses in ADMINS by e-mail, as step 11 says."""
    assert settings.ADMINS == [], "the tests run without DJANGO_ADMINS: nobody is mailed"
    addresses = ["ops@example.com"]
    # The form the example's settings give ADMINS on this Django (see [start:admins]).
    admins = addresses if django.VERSION >= (6, 0) else [(a, a) for a in addresses]
    request = RequestFactory().get("/staff/1/rate/", secure=True)
    with override_settings(ADMINS=admins, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        # What Django's request handler logs for an unhandled exception (a 500).
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, extra={"status_code": 500, "request": request}
        )
    [message] = mail.outbox
    assert message.to == addresses
    assert message.from_email == settings.SERVER_EMAIL == settings.DEFAULT_FROM_EMAIL
    assert "Internal Server Error: /staff/1/rate/" in message.subject
