"""The example app under production settings: pages, the rating form and its e-mail, the admin.

Requests say they came through Heroku's router over HTTPS, as every request
to a dyno does, with the Host of an app at herokuapp.com and the
X-Forwarded-Proto header the router adds (heroku.HTTPS). HTTPS and static
files are checked by the probe of a running app (heroku/probe.py), here
through Django's test client.
"""

import logging

import pytest
from calibration.checks import email_host_is_set
from calibration.models import CalibrationRating, StaffMember
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import mail
from django.core.files.storage import storages
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


# --- What the guide states about the settings ---------------------------------


def test_whitenoise_comes_directly_after_the_security_middleware():
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def test_runserver_nostatic_comes_before_staticfiles():
    apps = settings.INSTALLED_APPS
    assert apps.index("whitenoise.runserver_nostatic") < apps.index(
        "django.contrib.staticfiles"
    )


def test_the_stylesheet_is_stored_hashed_and_compressed_and_served_so(app):
    # Django 5.1 removed STATICFILES_STORAGE and ignores it without a word:
    # only STORAGES["staticfiles"] chooses the backend.
    assert isinstance(storages["staticfiles"], CompressedManifestStaticFilesStorage)
    link = probe.hashed_stylesheet(probe.https_only(app), "/css/site.")
    assert link == staticfiles_storage.url("css/site.css")
    probe.static_file_served(app, link, text=".site-header")


# --- HTTPS behind the router -----------------------------------------------------


def test_https_only_and_a_redirect_keeps_the_path_and_query(app, ada):
    probe.https_only(app, f"/staff/{ada.pk}/rate/?x=1")


def test_https_responses_carry_hsts(app):
    _, headers, _ = probe.get(app, "/")
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_an_unknown_host_is_refused(client, db):
    response = client.get("/", headers={**HTTPS, "Host": "evil.example.com"})
    assert response.status_code == 400


# --- Pages -----------------------------------------------------------------------


def test_the_staff_list_says_when_there_is_nobody_yet(client, db):
    response = client.get("/", headers=HTTPS)
    assert b"No staff yet" in response.content


def test_the_staff_list_shows_each_member_with_their_average(client, ada):
    CalibrationRating.objects.create(staff_member=ada, score=3)
    CalibrationRating.objects.create(staff_member=ada, score=4)
    response = client.get("/", headers=HTTPS)
    assert response.status_code == 200
    staff = list(response.context["staff"])
    assert [(m.name, m.average_score, m.rating_count) for m in staff] == [
        ("Ada Lovelace", 3.5, 2)
    ]
    assert b"3.5" in response.content


def test_an_unknown_page_is_a_plain_404_without_debug_information(client, db):
    response = client.get("/no-such-page/", headers=HTTPS)
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Traceback" not in response.content
    assert b"urlpatterns" not in response.content.lower()


def test_models_read_as_their_names(ada):
    rating = CalibrationRating.objects.create(staff_member=ada, score=5)
    assert str(ada) == "Ada Lovelace"
    assert str(rating) == "Ada Lovelace: 5"


# --- The rating form and its e-mail ---------------------------------------------


def test_the_rating_form_shows_the_scores(client, ada):
    response = client.get(f"/staff/{ada.pk}/rate/", headers=HTTPS)
    assert response.status_code == 200
    assert b"3: meets expectations" in response.content


def test_a_rating_is_saved_and_the_staff_member_is_told_by_mail(client, ada):
    response = client.post(
        f"/staff/{ada.pk}/rate/", {"score": "4", "comment": "Clear reports."}, headers=HTTPS
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ada.ratings.get().score == 4
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "You have a new calibration rating"
    assert "4: exceeds expectations" in message.body
    assert "Clear reports." in message.body


def test_the_saved_message_shows_on_the_list(client, ada):
    response = client.post(
        f"/staff/{ada.pk}/rate/", {"score": "4"}, headers=HTTPS, follow=True
    )
    assert b"Rating for Ada Lovelace saved." in response.content


def test_a_score_out_of_range_is_refused_and_nothing_is_sent(client, ada):
    response = client.post(f"/staff/{ada.pk}/rate/", {"score": "9"}, headers=HTTPS)
    assert response.status_code == 200
    assert response.context["form"].errors["score"]
    assert not ada.ratings.exists()
    assert mail.outbox == []


def test_rating_somebody_unknown_is_a_404(client, db):
    assert client.get("/staff/999/rate/", headers=HTTPS).status_code == 404


def test_a_mail_server_that_is_down_loses_no_rating(client, ada, settings, caplog):
    # A real SMTP connection to a port nothing listens on: refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = unused_port()
    settings.EMAIL_USE_TLS = False
    with caplog.at_level(logging.ERROR, logger="calibration.views"):
        response = client.post(f"/staff/{ada.pk}/rate/", {"score": "2"}, headers=HTTPS)
    assert response.status_code == 302
    assert ada.ratings.get().score == 2
    assert "Could not send the rating e-mail for Ada Lovelace" in caplog.text


def test_the_form_refuses_a_post_without_its_csrf_token(ada):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/staff/{ada.pk}/rate/", {"score": "4"}, headers=HTTPS)
    assert response.status_code == 403


# --- The admin and the system check ---------------------------------------------


def test_the_admin_login_page_is_served_with_its_hashed_stylesheets(app):
    probe.admin_styled(app)


def test_an_admin_sees_the_staff_with_their_ratings(admin_client, ada):
    CalibrationRating.objects.create(staff_member=ada, score=3)
    response = admin_client.get(
        f"/admin/calibration/staffmember/{ada.pk}/change/", headers=HTTPS
    )
    assert response.status_code == 200
    assert b"3: meets expectations" in response.content


def test_production_without_a_mail_server_is_warned_about(settings):
    settings.EMAIL_HOST = ""
    [warning] = email_host_is_set(None)
    assert warning.id == "calibration.W001"


def test_a_configured_mail_server_raises_no_warning(settings):
    settings.EMAIL_HOST = "smtp.example.com"
    assert email_host_is_set(None) == []
