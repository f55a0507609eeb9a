"""Every troubleshooting row this machine can reproduce, made for real, gives what docs/troubleshooting.rst shows.

The expected messages are read from the page itself (tests/pages.py): from
the ``.. code-block:: text`` blocks (and inline literals) of the row's
section, found by its label. Change a message in the settings without
changing the page, or the other way round, and a test here fails. The
mistakes are made with the very values the page shows (DJANGO_DEBUG='maybe',
'postgress://', www.example.com, https://app.example.com), on this
repository built as Heroku builds it. Rows that need a PostgreSQL cluster
and a web dyno of their own are marked ``cluster`` (``-m "not cluster"``
leaves them out); the configuration mistakes are named ``bad_config``. Rows
only Heroku can produce (R10, R14) are not reproduced: the page says where
their messages come from; the build's refusals are tests/smoke/test_buildpack.py's; too many
connections is reproduced under load last.
"""

import concurrent.futures
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from heroku import HTTPS, DeployFailed, build_environment, one_off, production_config_vars
from pages import DOCS, example_values, read_page

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
def test_bad_config_boot_message(mistake, app):
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


@pytest.mark.cluster
def test_bad_config_host_not_in_allowed_hosts(database, web_dyno):
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


@pytest.mark.cluster
def test_bad_config_cross_origin_form_post(database, web_dyno):
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


@pytest.mark.cluster
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
def test_bad_config_redirect_loop(database, web_dyno, settings_module, forwarded_allow_ips, loops):
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


# Rows a one-off dyno reproduces.


def on_a_dyno(slug, words, tmp_path, **config):
    """`heroku run` of a command (a list of words) with a throwaway SQLite database; the CompletedProcess."""
    config = production_config_vars(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **config)
    return one_off(slug, shlex.join(words), config)


def django_shell(code):
    return ["python", "example/manage.py", "shell", "-c", code]


def test_missing_manifest_entry_is_the_pages_message(slug, tmp_path):
    """A build whose collectstatic did not run: {% static %} fails with the page's ValueError."""
    expected = documented("troubleshooting-manifest-entry", "ValueError: Missing staticfiles manifest entry")
    name = re.search(r"entry for '([^']+)'", expected).group(1)
    # An empty STATIC_ROOT holds no staticfiles.json: nothing was collected.
    # override_settings makes Django build the storage afresh, and it reads the manifest then.
    code = (
        "from django.templatetags.static import static; from django.test import override_settings\n"
        f"with override_settings(STATIC_ROOT={str(tmp_path)!r}): static({name!r})"
    )
    result = on_a_dyno(slug, django_shell(code), tmp_path)
    assert result.returncode != 0 and result.stderr.strip().splitlines()[-1] == expected, result.stderr


def test_findstatic_finds_the_file_the_page_names(slug, tmp_path):
    section = PAGE.section("troubleshooting-manifest-entry")
    (words,) = [
        command.words() for block in section.blocks(PAGE) for command in block.commands()
        if command.text.startswith("python example/manage.py findstatic ")
    ]
    result = on_a_dyno(slug, words, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Found '{words[3]}' here:" in result.stdout
    assert str(slug.path / Path(slug.manage_py).parent / "static" / words[3]) in result.stdout


def test_no_such_table_without_migrate(slug, tmp_path):
    """A database nobody migrated: the page's 'no such table' (SQLite)."""
    assert "no such table" in PAGE.section("troubleshooting-release").literals()
    code = "from calibration.models import StaffMember; print(StaffMember.objects.count())"
    result = on_a_dyno(slug, django_shell(code), tmp_path)
    assert result.returncode != 0
    assert "no such table: calibration_staffmember" in result.stderr


def test_the_default_mail_port_is_the_pages(slug, tmp_path):
    """The e-mail row's "Unset, the example uses 587.", against the app with EMAIL_PORT unset."""
    text = " ".join(PAGE.section("troubleshooting-email-port").text.split())
    result = on_a_dyno(slug, django_shell("from django.conf import settings; print(settings.EMAIL_PORT)"), tmp_path)
    assert result.returncode == 0, result.stderr
    # The last line: Django 5.2's shell first says how many objects it imported.
    assert f"Unset, the example uses {result.stdout.split()[-1]}." in text, text


# too many connections: the connection budget of step 11. A role of the
# throwaway cluster gets a CONNECTION LIMIT below what one dyno of the
# example may hold (workers x threads, each thread keeping its connection
# for CONN_MAX_AGE), and the web dyno is put under concurrent requests: some
# fail, and the log shows the row's ``too many connections``. With the limit
# at the budget, none fail.

WORKERS = 1
REQUESTS, CLIENTS = 150, 10


def threads():
    """gunicorn's threads per worker, from the app's gunicorn.conf.py (the build copies it as it is)."""
    return example_values.example_value("gunicorn.conf.py:threads")


def limited_role(cluster, name, limit):
    """A role that may open at most `limit` connections, allowed to read and write the app's tables."""
    cluster.psql(
        f"DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN CONNECTION LIMIT {limit}; "
        f"GRANT pg_read_all_data, pg_write_all_data TO {name};"
    )
    return f"postgres://{name}@127.0.0.1:{cluster.port}/{cluster.database}"


def statuses_under_load(server):
    def one(_):
        return server.request("GET", "/", headers=HTTPS, timeout=20)[0]

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(REQUESTS)))


@pytest.mark.cluster
@pytest.mark.parametrize(
    ("limit", "fails"),
    [
        pytest.param(2, True, id="limit-below-threads"),
        pytest.param(WORKERS * threads(), False, id="limit-at-budget"),
    ],
)
def test_connection_budget(database, web_dyno, limit, fails):
    assert "too many connections" in PAGE.section("troubleshooting-too-many-connections").literals()
    url = limited_role(database, f"budget_{limit}", limit)
    config = production_config_vars(DATABASE_URL=url)
    with web_dyno(config, WEB_CONCURRENCY=str(WORKERS)) as server:
        statuses = statuses_under_load(server)
        server.stop()
        log = server.log()
    if fails:
        assert 500 in statuses, statuses
        assert "too many connections" in log, log[-3000:]
    else:
        assert set(statuses) == {200}, statuses
        assert "too many connections" not in log
