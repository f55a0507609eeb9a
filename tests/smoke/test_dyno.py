"""Probes of the web dyno, as Heroku's router and a visitor's browser reach it.

Every request carries the Host header of an app at herokuapp.com. A request
with `X-Forwarded-Proto: https` is one the visitor made over HTTPS; without
it, over plain HTTP.
"""

import gzip
import html
import http.client
import os
import re
import secrets
from urllib.parse import urlencode

import pytest
from browser import CHROMIUM_FLAGS
from heroku import APP_HOST as HOST
from heroku import HTTPS

SAMPLE_STAFF = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
ONE_YEAR = 365 * 24 * 3600
# Text only Django's technical (DEBUG) error pages contain.
DEBUG_MARKERS = ["Traceback", "DEBUG = True", "Using the URLconf", "urlpatterns", "settings.py", "Request Method:"]
HEADER_COLOUR = "rgb(121, 88, 159)"  # .site-header in example/static/css/site.css


def get(web, path, **headers):
    status, response_headers, body = web.request("GET", path, headers={**HTTPS, **headers})
    return status, response_headers, body


def staff_rows(page):
    """{name: (rating count, rate link)} from the home page's table."""
    rows = {}
    for row in re.findall(r'<tr class="staff-row">(.*?)</tr>', page, re.S):
        cells = [html.unescape(cell.strip()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        link = re.search(r'href="([^"]+/rate/)"', row)
        rows[cells[0]] = (int(cells[3]), link and link.group(1))
    return rows


def stylesheet_links(page):
    return re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', page)


@pytest.fixture(scope="module")
def home_page(web):
    status, _, body = get(web, "/")
    assert status == 200, f"the home page answered {status} over https:\n{web.log()[-3000:]}"
    return body.decode()


def test_home_page_lists_the_sample_staff(home_page):
    rows = staff_rows(home_page)
    missing = [name for name in SAMPLE_STAFF if name not in rows]
    assert not missing, f"rows loaded by `loaddata sample_staff` missing from the home page: {missing}"


@pytest.fixture(scope="module")
def site_css(home_page):
    links = [link for link in stylesheet_links(home_page) if "/css/site" in link]
    assert links, "the home page links no css/site*.css stylesheet"
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", links[0]), (
        f"the home page links {links[0]}, not a hashed name like /static/css/site.0123456789ab.css: "
        "is STORAGES['staticfiles'] WhiteNoise's CompressedManifestStaticFilesStorage?"
    )
    return links[0]


@pytest.mark.parametrize(
    ("accept_encoding", "content_encoding"),
    [("br", "br"), ("gzip", "gzip"), ("identity", None)],
)
def test_hashed_css_is_compressed_on_request_and_cached_for_a_year(web, site_css, accept_encoding, content_encoding):
    status, headers, body = get(web, site_css, **{"Accept-Encoding": accept_encoding})
    assert status == 200, (
        f"{site_css} answered {status}: is whitenoise.middleware.WhiteNoiseMiddleware in MIDDLEWARE, "
        "directly after SecurityMiddleware?"
    )
    assert headers.get("content-encoding") == content_encoding, (
        f"Accept-Encoding: {accept_encoding} got Content-Encoding {headers.get('content-encoding')!r}, "
        f"not {content_encoding!r}: are the compressed copies made (whitenoise[brotli], "
        "CompressedManifestStaticFilesStorage)?"
    )
    if content_encoding == "gzip":
        body = gzip.decompress(body)
    if content_encoding != "br":
        assert b".site-header" in body
    cache_control = headers.get("cache-control", "")
    max_age = re.search(r"max-age=(\d+)", cache_control)
    assert "immutable" in cache_control and max_age and int(max_age.group(1)) >= ONE_YEAR, (
        f"Cache-Control: {cache_control!r} on a hashed file; WhiteNoise sends "
        "'max-age=315360000, public, immutable' only for files the manifest storage named"
    )
    assert "accept-encoding" in headers.get("vary", "").lower(), f"Vary: {headers.get('vary')!r}"


def test_unknown_static_file_is_404(web):
    status, _, _ = get(web, "/static/css/no-such-file.0123456789ab.css")
    assert status == 404, f"a static file that does not exist answered {status}, not 404"


def test_404_page_shows_no_debug_information(web):
    status, _, body = get(web, "/no-such-page/")
    page = body.decode(errors="replace")
    assert status == 404
    leaked = [marker for marker in DEBUG_MARKERS if marker in page]
    assert not leaked, f"the 404 page shows debug information ({leaked}): is DEBUG on?"
    assert "Page not found" in page


def test_plain_http_is_redirected_to_https(web):
    status, headers, _ = web.request("GET", "/staff/1/rate/?from=smoke", headers={"Host": HOST})
    assert (status, headers.get("location")) == (301, f"https://{HOST}/staff/1/rate/?from=smoke"), (
        f"plain http got {status} to {headers.get('location')!r}: is SECURE_SSL_REDIRECT on?"
    )


def test_https_request_is_served_with_hsts(web):
    status, headers, _ = get(web, "/")
    assert status == 200, (
        f"an https request (X-Forwarded-Proto: https) got {status} {headers.get('location', '')}: "
        "a redirect here loops forever behind Heroku's router (SECURE_PROXY_SSL_HEADER)"
    )
    hsts = headers.get("strict-transport-security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= ONE_YEAR, f"Strict-Transport-Security: {hsts!r}"


def test_admin_login_page_is_styled(web):
    status, _, body = get(web, "/admin/login/")
    assert status == 200
    links = stylesheet_links(body.decode())
    assert links, "the admin login page links no stylesheet"
    for link in links:
        link_status, headers, _ = get(web, link)
        assert link_status == 200 and headers.get("content-type", "").startswith("text/css"), (
            f"the admin's {link} answered {link_status}: the admin would show unstyled"
        )


def cookies_from(headers_list):
    return dict(re.match(r"([^=]+)=([^;]*)", value).groups() for value in headers_list)


def test_rating_form_saves_the_rating_and_sends_its_email(web, smtp, home_page, config_vars):
    name = "Ada Lovelace"
    count_before, rate_link = staff_rows(home_page)[name]
    origin = f"https://{HOST}"

    # The form, over https: its CSRF token in the page and in a Secure cookie.
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    connection.request("GET", rate_link, headers=HTTPS)
    response = connection.getresponse()
    page = response.read().decode()
    assert response.status == 200
    set_cookies = response.headers.get_all("Set-Cookie") or []
    csrf_cookie = [value for value in set_cookies if value.startswith("csrftoken=")]
    assert csrf_cookie and "secure" in csrf_cookie[0].lower(), f"CSRF cookie: {set_cookies}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    connection.close()

    comment = f"smoke check {secrets.token_hex(6)}"
    status, headers, body = web.request(
        "POST",
        rate_link,
        headers={
            **HTTPS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies_from(csrf_cookie)['csrftoken']}",
            "Origin": origin,
            "Referer": origin + rate_link,
        },
        body=urlencode({"csrfmiddlewaretoken": token, "score": "4", "comment": comment}),
    )
    assert (status, headers.get("location")) == (302, "/"), (
        f"posting the form got {status} {headers.get('location', '')}:\n{body.decode(errors='replace')[:1500]}"
    )
    count_after, _ = staff_rows(get(web, "/")[2].decode())[name]
    assert count_after >= count_before + 1, "the rating was not counted on the home page"

    received = smtp.wait_for(lambda message: comment in message[2].get_content())
    assert received, (
        "the rating's e-mail never reached the SMTP server on "
        f"127.0.0.1:{smtp.port}; the web log says:\n{web.log()[-3000:]}"
    )
    sender, recipients, message, login = received
    assert recipients == ["ada@example.com"]
    assert sender == config_vars["DEFAULT_FROM_EMAIL"]
    assert message["Subject"] == "You have a new calibration rating"
    assert login == config_vars["EMAIL_HOST_USER"], "Django did not log in with EMAIL_HOST_USER"


def test_chromium_shows_the_page_styled(web):
    from playwright.sync_api import sync_playwright

    failed = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ["CHROMIUM"], args=CHROMIUM_FLAGS, headless=True, timeout=30_000
        )
        try:
            # Chromium sets Host itself; the router's other header is added to every request.
            context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": HTTPS["X-Forwarded-Proto"]})
            page = context.new_page()
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
            response = page.goto(web.url + "/", timeout=15_000)
            assert response.status == 200
            colour = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
        finally:
            browser.close()
    assert not failed, f"Chromium could not load: {failed}"
    assert colour == HEADER_COLOUR, f"the header's background is {colour}: the stylesheet was not applied"
