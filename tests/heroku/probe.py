"""The probe of a running app, as Heroku's router and a visitor reach it: HTTPS enforced, static files hashed, compressed and cached, an unknown Host refused.

One module for every check that probes a deployed app (smoke on the example,
the app.json check, the walk on a reader's project). Each function takes a
Server (dyno.py) and fails with what to fix.

Requests carry the Host of an app at herokuapp.com; one with
`X-Forwarded-Proto: https` is one the visitor made over HTTPS (the router
ends TLS and says so), one without it came over plain HTTP.
"""

import gzip
import re

from heroku.platform import HTTPS

ONE_YEAR = 365 * 24 * 3600
# WhiteNoise's Cache-Control for a file the manifest storage named by its hash (ten years).
IMMUTABLE = "max-age=315360000, public, immutable"


def get(server, path, **headers):
    """GET `path` over HTTPS through the router: (status, lowercase headers, body)."""
    return server.request("GET", path, headers={**HTTPS, **headers})


def stylesheets(page):
    return re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', page)


def https_only(server, path="/"):
    """HTTPS is served with HSTS for a year or more; plain HTTP is redirected to the same URL over HTTPS. Returns the page."""
    status, headers, body = get(server, path)
    assert status == 200, (f"GET {path} over https got {status} {headers.get('location', '')}: a redirect here loops forever "
                           f"behind Heroku's router (SECURE_PROXY_SSL_HEADER)\n{server.log()[-3000:]}")
    hsts = headers.get("strict-transport-security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= ONE_YEAR, f"Strict-Transport-Security: {hsts!r} (SECURE_HSTS_SECONDS)"
    plain, plain_headers, _ = server.request("GET", path, headers={"Host": HTTPS["Host"]})
    location = plain_headers.get("location")
    assert (plain, location) == (301, f"https://{HTTPS['Host']}{path}"), f"plain http got {plain} to {location!r}: is SECURE_SSL_REDIRECT on?"
    return body.decode()


def hashed_stylesheet(page, part=""):
    """The first stylesheet the page links whose URL contains `part`, checked to be named by its hash."""
    links = [link for link in stylesheets(page) if part in link]
    assert links, f"the page links no stylesheet containing {part!r}:\n{page[:2000]}"
    assert re.search(r"\.[0-9a-f]{12}\.css$", links[0]), (f"the page links {links[0]}, not a hashed name like /static/css/site.0123456789ab.css: "
                                                          "is STORAGES['staticfiles'] WhiteNoise's CompressedManifestStaticFilesStorage?")
    return links[0]


def static_file_served(server, path, text=None):
    """A hashed static file: Brotli, gzip or plain as asked, cached for good, varying on Accept-Encoding; `text` in its body."""
    for accept_encoding, content_encoding in (("br", "br"), ("gzip", "gzip"), ("identity", None)):
        status, headers, body = get(server, path, **{"Accept-Encoding": accept_encoding})
        assert status == 200, (f"{path} answered {status}: is whitenoise.middleware.WhiteNoiseMiddleware in MIDDLEWARE, "
                               "directly after SecurityMiddleware?")
        got = headers.get("content-encoding")
        assert got == content_encoding, (f"Accept-Encoding: {accept_encoding} got Content-Encoding {got!r}, not {content_encoding!r}: "
                                         "are the compressed copies made (whitenoise[brotli], CompressedManifestStaticFilesStorage)?")
        if text and content_encoding != "br":
            assert text.encode() in (gzip.decompress(body) if content_encoding else body), f"{path} lacks {text!r}"
        assert headers.get("cache-control") == IMMUTABLE, (f"Cache-Control: {headers.get('cache-control')!r} on a hashed file; WhiteNoise sends "
                                                           f"{IMMUTABLE!r} only for files the manifest storage named")
        assert "accept-encoding" in headers.get("vary", "").lower(), f"Vary: {headers.get('vary')!r}"
    status, _, _ = get(server, re.sub(r"\.[0-9a-f]{12}\.", ".0123456789ab.", path))
    assert status == 404, f"a static file that does not exist answered {status}, not 404"


def admin_styled(server):
    """The admin's login page links its hashed base.css, and every stylesheet it links is served as CSS."""
    status, _, body = get(server, "/admin/login/")
    page = body.decode()
    assert status == 200, f"/admin/login/ answered {status}"
    assert re.search(r'href="/static/admin/css/base\.[0-9a-f]{12}\.css"', page), f"the admin's login page links no hashed base.css:\n{page[:2000]}"
    for link in stylesheets(page):
        link_status, headers, _ = get(server, link)
        assert link_status == 200 and headers.get("content-type", "").startswith("text/css"), f"the admin's {link} answered {link_status}: the admin would show unstyled"


def deployed_app(server, home_page_text=(), home="/"):
    """Every probe above on a running app, and an unknown Host refused; `home_page_text` must each show on its
    home page (at `home`). Returns the home page."""
    page = https_only(server, home)
    missing = [text for text in home_page_text if text not in page]
    assert not missing, f"the home page lacks {missing}:\n{page[:2000]}"
    static_file_served(server, hashed_stylesheet(page))
    admin_styled(server)
    status = get(server, home, Host="attacker.example")[0]
    assert status == 400, f"GET {home} with Host: attacker.example got {status}, not 400: is ALLOWED_HOSTS ['*']?"
    return page
