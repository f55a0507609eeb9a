"""Each configuration mistake docs/troubleshooting.rst lists, made for real, gives the message the page shows.

The expected messages are read from the page itself (tests/pages.py): from
the ``.. code-block:: text`` blocks (and inline literals) of the row's
section, found by its label. Change a message in the settings without changing the
page, or the other way round, and a test here fails. The mistakes are made
with the very values the page shows (DJANGO_DEBUG='maybe', 'postgress://',
www.example.com, https://app.example.com).
"""

import re
from dataclasses import dataclass, field

import pytest
from heroku import HTTPS, DeployFailed, build_environment, one_off, production_config_vars
from pages import DOCS, read_page

PAGE = read_page(DOCS / "troubleshooting.rst")
BOOT_TIMEOUT = 30


def documented_messages(label):
    """The messages the section shows: its `code-block:: text` blocks, then its inline literals."""
    section = PAGE.section(label)
    blocks = [block.text for block in section.blocks(PAGE) if block.language == "text"]
    return blocks + section.literals()


def documented(label, starts_with):
    """The one message in the section that starts with `starts_with`."""
    found = [message for message in documented_messages(label) if message.startswith(starts_with)]
    assert found, f"{PAGE.name}#{label} shows no message starting with {starts_with!r}"
    return found[0]


@dataclass
class BootMistake:
    label: str  # the section of the troubleshooting page
    starts_with: str  # picks the message in that section
    config: dict = field(default_factory=dict)  # config vars set (None: unset)
    in_build: bool = True  # the build fails too (it has the config vars, but no DYNO)


BOOT_MISTAKES = {
    "secret-key-missing": BootMistake(
        "troubleshooting-h10", "Configuration error: DJANGO_SECRET_KEY", {"DJANGO_SECRET_KEY": None}
    ),
    "debug-unknown-word": BootMistake(
        "troubleshooting-debug", "Configuration error: DJANGO_DEBUG=", {"DJANGO_DEBUG": "maybe"}
    ),
    "database-url-unknown-scheme": BootMistake(
        "troubleshooting-database-url",
        "Configuration error: DATABASE_URL starts with",
        {"DATABASE_URL": "postgress://staff:secret@db.example.com:5432/staff"},
    ),
    "database-url-bad-port": BootMistake(
        "troubleshooting-database-url",
        "Configuration error: DATABASE_URL cannot be read",
        {"DATABASE_URL": "postgres://staff:secret@db.example.com:54x2/staff"},
    ),
    "database-url-unencoded-password": BootMistake(
        "troubleshooting-database-url",
        "Configuration error: DATABASE_URL cannot be read",
        # A "/" in the password, not written as %2F.
        {"DATABASE_URL": "postgres://staff:se/cret@db.example.com:5432/staff"},
    ),
    "database-url-no-name": BootMistake(
        "troubleshooting-database-url",
        "Configuration error: DATABASE_URL names no database",
        {"DATABASE_URL": "postgres://staff:secret@db.example.com:5432"},
    ),
    "email-port-not-a-number": BootMistake(
        "troubleshooting-email-port", "Configuration error: EMAIL_PORT=", {"EMAIL_PORT": "smtp"}
    ),
    "csrf-origin-without-scheme": BootMistake(
        "troubleshooting-csrf",
        "Configuration error: DJANGO_CSRF_TRUSTED_ORIGINS",
        {"DJANGO_CSRF_TRUSTED_ORIGINS": "app.example.com"},
    ),
    "dyno-without-database": BootMistake(
        "troubleshooting-no-database", "Configuration error: DATABASE_URL is not set", {"DATABASE_URL": None},
        in_build=False,
    ),
}


@pytest.mark.parametrize("mistake", BOOT_MISTAKES.values(), ids=BOOT_MISTAKES.keys())
def test_boot_mistake_message(mistake, app):
    """The page's message, whole, from the build, from a one-off dyno, and from a booting web dyno."""
    expected = documented(mistake.label, mistake.starts_with)
    # A dyno has DATABASE_URL once Heroku Postgres is attached (nothing here connects to it).
    config = production_config_vars(
        **{"DATABASE_URL": "postgres://staff:secret@db.example.com:5432/staff", **mistake.config}
    )
    # The build runs collectstatic; the release phase and `heroku run` run
    # other commands, such as check and migrate.
    slug = app.slug
    build = one_off(
        slug, f"python {slug.manage_py} collectstatic --noinput --traceback --dry-run",
        env=build_environment(slug.app_venv, config),
    )
    results = {"check": one_off(slug, f"python {slug.manage_py} check", config)}
    if mistake.in_build:
        results["collectstatic"] = build
    else:
        assert build.returncode == 0, f"the build should not need this setting:\n{build.stderr}"
    for command, result in results.items():
        assert result.returncode != 0
        assert expected in result.stderr, f"manage.py {command}:\n{result.stderr}"
        assert "Traceback" not in result.stderr
    with pytest.raises(DeployFailed, match=r"^The web dyno .* \(exit [1-9]") as failed, app.web_dyno(config, boot_timeout=BOOT_TIMEOUT):
        pass  # the web dyno started despite the mistake
    log = failed.value.output
    assert expected in log, log
    # One line, from the master (preload_app), not a traceback per worker.
    assert log.count(mistake.starts_with) == 1 and "Traceback" not in log, log


# Mistakes that boot fine and show on a request.


def test_host_not_in_allowed_hosts(database, web_dyno):
    """A custom domain missing from DJANGO_ALLOWED_HOSTS: a bare 400, and the page's log line."""
    expected = documented("troubleshooting-disallowed-host", "ERROR django.security.DisallowedHost")
    host = re.search(r"Invalid HTTP_HOST header: '([^']+)'", expected).group(1)
    with web_dyno(production_config_vars(DATABASE_URL=database.url)) as server:
        status, _, body = server.request("GET", "/", headers={**HTTPS, "Host": host})
        assert status == 400 and b"Bad Request (400)" in body
        assert b"ALLOWED_HOSTS" not in body and host.encode() not in body, body
        assert expected in server.log(), server.log()
    # The fix the page gives: list the domain (and keep the Heroku address).
    fixed = production_config_vars(DATABASE_URL=database.url, DJANGO_ALLOWED_HOSTS=f"{host},.herokuapp.com")
    with web_dyno(fixed) as server:
        assert server.request("GET", "/", headers={**HTTPS, "Host": host})[0] == 200


def test_cross_origin_form_post(database, web_dyno):
    """A form posted from another origin: 403 with the page's text, and the page's log line; then the fix."""
    expected = documented("troubleshooting-csrf", "WARNING django.security.csrf")
    origin, path = re.search(r"Origin checking failed - (\S+) does not.*\): (\S+)$", expected).groups()

    def post_rating(server):
        status, headers, _ = server.request("GET", path, headers=HTTPS)
        assert status == 200
        cookie = headers["set-cookie"].split(";")[0]
        token = cookie.split("=", 1)[1]
        return server.request(
            "POST",
            path,
            headers={
                **HTTPS,
                "Origin": origin,
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=f"csrfmiddlewaretoken={token}&score=4&comment=Clear".encode(),
        )

    with web_dyno(production_config_vars(DATABASE_URL=database.url)) as server:
        status, _, body = post_rating(server)
        assert status == 403
        assert "CSRF verification failed. Request aborted." in body.decode()
        assert expected in server.log(), server.log()
    # The fix the page gives: trust the other origin, with its scheme.
    trusted = production_config_vars(DATABASE_URL=database.url, DJANGO_CSRF_TRUSTED_ORIGINS=origin)
    with web_dyno(trusted) as server:
        status, headers, body = post_rating(server)
        assert status == 302, body[:2000]


def follow_redirects(server, path, limit=5):
    """Follow redirects like a browser (through the router, so always over HTTPS); return the chain."""
    chain = []
    for _ in range(limit):
        status, headers, _ = server.request("GET", path, headers=HTTPS)
        chain.append((status, path))
        if status not in (301, 302):
            break
        path = re.sub(r"^https://[^/]+", "", headers["location"])
    return chain


@pytest.mark.parametrize(
    ("settings_module", "forwarded_allow_ips", "loops"),
    [
        pytest.param("staff.settings", "192.0.2.1", False, id="guide-settings"),
        pytest.param("settings_without_proxy_ssl_header", "192.0.2.1", True, id="without-header-loops"),
        # With the buildpack's FORWARDED_ALLOW_IPS='*', gunicorn itself
        # trusts X-Forwarded-Proto, so the loop needs both to be missing.
        pytest.param("settings_without_proxy_ssl_header", "*", False, id="without-header-gunicorn-trusts"),
    ],
)
def test_redirect_loop(database, web_dyno, settings_module, forwarded_allow_ips, loops):
    """SECURE_SSL_REDIRECT without SECURE_PROXY_SSL_HEADER: the same path answered with 301 again and again.

    On Heroku the router's address is not 127.0.0.1, which gunicorn trusts by
    default; FORWARDED_ALLOW_IPS=192.0.2.1 (an address that is not this
    client's) makes gunicorn distrust this client as it would distrust the
    router without the buildpack's '*'.
    """
    page = PAGE.section("troubleshooting-redirect-loop").text
    assert "answered with 301 again and again" in page
    config = production_config_vars(DATABASE_URL=database.url, DJANGO_SETTINGS_MODULE=settings_module)
    with web_dyno(config, FORWARDED_ALLOW_IPS=forwarded_allow_ips) as server:
        chain = follow_redirects(server, "/staff/1/rate/")
        server.stop()
        log = server.log()  # once the server has stopped, every access log line is written
    if loops:
        assert chain == [(301, "/staff/1/rate/")] * 5, chain
        assert log.count('"GET /staff/1/rate/ HTTP/1.1" 301') >= 5, log
    else:
        assert chain == [(200, "/staff/1/rate/")], chain
