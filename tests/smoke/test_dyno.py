"""Probes of the web dyno, as Heroku's router and a visitor's browser reach it.

Every request carries the Host header of an app at herokuapp.com. A request
with `X-Forwarded-Proto: https` is one the visitor made over HTTPS; without
it, over plain HTTP.
"""

import html
import os
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from browser import CHROMIUM_FLAGS
from heroku import APP_HOST as HOST
from heroku import HTTPS, probe

SAMPLE_STAFF = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
# Text only Django's technical (DEBUG) error pages contain.
DEBUG_MARKERS = ["Traceback", "DEBUG = True", "Using the URLconf", "urlpatterns", "settings.py", "Request Method:"]
HEADER_COLOUR = "rgb(121, 88, 159)"  # .site-header in example/static/css/site.css


def staff_rows(page):
    """{name: (rating count, rate link)} from the home page's table."""
    rows = {}
    for row in re.findall(r'<tr class="staff-row">(.*?)</tr>', page, re.S):
        cells = [html.unescape(cell.strip()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        link = re.search(r'href="([^"]+/rate/)"', row)
        rows[cells[0]] = (int(cells[3]), link and link.group(1))
    return rows


@pytest.fixture(scope="module")
def home_page(web):
    """The home page, probed as every deployed app is (heroku/probe.py): HTTPS only, hashed static files, a styled admin."""
    return probe.deployed_app(web, SAMPLE_STAFF)


def test_the_deployed_app_passes_the_probe(home_page):
    assert staff_rows(home_page).keys() >= set(SAMPLE_STAFF)


def test_the_site_css_is_served_hashed_compressed_and_cached(web, home_page):
    probe.static_file_served(web, probe.hashed_stylesheet(home_page, "/css/site."), text=".site-header")


def test_404_page_shows_no_debug_information(web):
    status, _, body = probe.get(web, "/no-such-page/")
    page = body.decode(errors="replace")
    leaked = [marker for marker in DEBUG_MARKERS if marker in page]
    assert not leaked, f"the 404 page shows debug information ({leaked}): is DEBUG on?"
    assert status == 404 and "Page not found" in page


def test_a_redirect_keeps_the_path_and_query(web):
    probe.https_only(web, "/staff/1/rate/?from=smoke")


def test_rating_form_saves_the_rating_and_sends_its_email(web, smtp, home_page, config_vars):
    name = "Ada Lovelace"
    count_before, rate_link = staff_rows(home_page)[name]

    # The form, over https: its CSRF token in the page and in a Secure cookie.
    status, headers, body = probe.get(web, rate_link)
    assert status == 200
    csrf_cookie = SimpleCookie(headers.get("set-cookie", "")).get("csrftoken")
    assert csrf_cookie and csrf_cookie["secure"], f"CSRF cookie: {headers.get('set-cookie')!r}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)

    comment = f"smoke check {secrets.token_hex(6)}"
    headers = {**HTTPS, "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie.value}",
               "Origin": f"https://{HOST}", "Referer": f"https://{HOST}{rate_link}"}
    body = urlencode({"csrfmiddlewaretoken": token, "score": "4", "comment": comment})
    status, headers, body = web.request("POST", rate_link, headers=headers, body=body)
    assert (status, headers.get("location")) == (302, "/"), (f"posting the form got {status} {headers.get('location', '')}:\n"
                                                             f"{body.decode(errors='replace')[:1500]}")
    count_after, _ = staff_rows(probe.get(web, "/")[2].decode())[name]
    assert count_after >= count_before + 1, "the rating was not counted on the home page"

    received = smtp.wait_for(lambda message: comment in message[2].get_content())
    assert received, ("the rating's e-mail never reached the SMTP server on "
                      f"127.0.0.1:{smtp.port}; the web log says:\n{web.log()[-3000:]}")
    sender, recipients, message, login = received  # Django logs in with EMAIL_HOST_USER
    assert (sender, recipients, message["Subject"], login) == (
        config_vars["DEFAULT_FROM_EMAIL"], ["ada@example.com"], "You have a new calibration rating", config_vars["EMAIL_HOST_USER"])


def test_chromium_shows_the_page_styled(web):
    from playwright.sync_api import sync_playwright

    failed = []
    with sync_playwright() as playwright:
        # Closed with Playwright on the way out, whatever happens.
        browser = playwright.chromium.launch(executable_path=os.environ["CHROMIUM"], args=CHROMIUM_FLAGS, headless=True, timeout=30_000)
        # Chromium sets Host itself; the router's other header is added to every request.
        page = browser.new_context(extra_http_headers={"X-Forwarded-Proto": HTTPS["X-Forwarded-Proto"]}).new_page()
        page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
        assert page.goto(web.url + "/", timeout=15_000).status == 200
        colour = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert not failed, f"Chromium could not load: {failed}"
    assert colour == HEADER_COLOUR, f"the header's background is {colour}: the stylesheet was not applied"
