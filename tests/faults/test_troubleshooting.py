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

import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from heroku import HTTPS, DeployFailed, build_environment, one_off, production_config_vars
from pages import DOCS, example_values, read_page

PAGE = read_page(DOCS / "troubleshooting.rst")


def documented(label, starts_with):
    """The first message the section shows (its `code-block:: text` blocks, then its inline literals) that starts so."""
    section = PAGE.section(label)
    messages = [block.text for block in section.blocks(PAGE) if block.language == "text"] + section.literals()
    found = [message for message in messages if message.startswith(starts_with)]
    assert found, f"{PAGE.name}#{label} shows no message starting with {starts_with!r}"
    return found[0]


# (section, the start of the message, which names the variable; the value set, None: unset)
DB = "staff:secret@db.example.com"
BOOT_MISTAKES = {
    "secret-key-missing": ("h10", "DJANGO_SECRET_KEY", None),
    "debug-unknown-word": ("debug", "DJANGO_DEBUG=", "maybe"),
    "database-url-unknown-scheme": ("database-url", "DATABASE_URL starts with", f"postgress://{DB}:5432/staff"),
    "database-url-bad-port": ("database-url", "DATABASE_URL cannot be read", f"postgres://{DB}:54x2/staff"),
    # A "/" in the password, not written as %2F.
    "database-url-unencoded-password": ("database-url", "DATABASE_URL cannot be read",
                                        "postgres://staff:se/cret@db.example.com:5432/staff"),
    "database-url-no-name": ("database-url", "DATABASE_URL names no database", f"postgres://{DB}:5432"),
    "email-port-not-a-number": ("email-port", "EMAIL_PORT=", "smtp"),
    "csrf-origin-without-scheme": ("csrf", "DJANGO_CSRF_TRUSTED_ORIGINS", "app.example.com"),
    "dyno-without-database": ("no-database", "DATABASE_URL is not set", None),
}


@pytest.mark.parametrize(("section", "starts_with", "value"), BOOT_MISTAKES.values(), ids=BOOT_MISTAKES.keys())
def test_bad_config_boot_message(app, section, starts_with, value):
    """The page's message, whole, from the build, from a one-off dyno, and from a booting web dyno."""
    expected = documented(f"troubleshooting-{section}", f"Configuration error: {starts_with}")
    # A dyno has DATABASE_URL once Heroku Postgres is attached (nothing here connects to it).
    mistake = {re.match(r"\w+", starts_with)[0]: value}
    config = production_config_vars(**{"DATABASE_URL": f"postgres://{DB}:5432/staff", **mistake})
    # The build runs collectstatic; the release phase and `heroku run` run
    # other commands, such as check and migrate.
    manage = f"python {app.slug.manage_py}"
    build = one_off(app.slug, f"{manage} collectstatic --noinput --traceback --dry-run",
                    env=build_environment(app.slug.app_venv, config))
    check = one_off(app.slug, f"{manage} check", config)
    # The build has the config vars but no DYNO, so only a missing database gets through it.
    in_build = section != "no-database"
    assert (build.returncode != 0) == in_build, build.stderr
    for result in [check, build] if in_build else [check]:
        assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    with pytest.raises(DeployFailed, match=r"^The web dyno .* \(exit [1-9]") as failed:
        with app.web_dyno(config, boot_timeout=30):
            pass  # the web dyno started despite the mistake
    log = failed.value.output
    # One line, from the master (preload_app), not a traceback per worker.
    assert expected in log and log.count(f"Configuration error: {starts_with}") == 1 and "Traceback" not in log, log


# Mistakes that boot fine and show on a request: each with the page's fix.


@pytest.mark.cluster
def test_bad_config_host_not_in_allowed_hosts(web_dyno):
    """A custom domain missing from DJANGO_ALLOWED_HOSTS: a bare 400, and the page's log line."""
    expected = documented("troubleshooting-disallowed-host", "ERROR django.security.DisallowedHost")
    host = re.search(r"Invalid HTTP_HOST header: '([^']+)'", expected).group(1)
    with web_dyno() as server:
        status, _, body = server.request("GET", "/", headers={**HTTPS, "Host": host})
        assert status == 400 and b"Bad Request (400)" in body
        assert b"ALLOWED_HOSTS" not in body and host.encode() not in body, body
        assert expected in server.log(), server.log()
    # The fix the page gives: list the domain (and keep the Heroku address).
    with web_dyno(DJANGO_ALLOWED_HOSTS=f"{host},.herokuapp.com") as server:
        assert server.request("GET", "/", headers={**HTTPS, "Host": host})[0] == 200


@pytest.mark.cluster
def test_bad_config_cross_origin_form_post(web_dyno):
    """A form posted from another origin: 403 with the page's text, and the page's log line; then the fix."""
    expected = documented("troubleshooting-csrf", "WARNING django.security.csrf")
    origin, path = re.search(r"Origin checking failed - (\S+) does not.*\): (\S+)$", expected).groups()

    def post_rating(server):
        status, headers, _ = server.request("GET", path, headers=HTTPS)
        assert status == 200
        cookie = headers["set-cookie"].split(";")[0]
        form = {**HTTPS, "Origin": origin, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        body = f"csrfmiddlewaretoken={cookie.split('=', 1)[1]}&score=4&comment=Clear"
        return server.request("POST", path, headers=form, body=body.encode())

    with web_dyno() as server:
        status, _, body = post_rating(server)
        assert status == 403 and "CSRF verification failed. Request aborted." in body.decode()
        assert expected in server.log(), server.log()
    # The fix the page gives: trust the other origin, with its scheme.
    with web_dyno(DJANGO_CSRF_TRUSTED_ORIGINS=origin) as server:
        status, _, body = post_rating(server)
        assert status == 302, body[:2000]


@pytest.mark.cluster
@pytest.mark.parametrize(("settings_module", "forwarded_allow_ips", "loops"), [
    pytest.param("staff.settings", "192.0.2.1", False, id="guide-settings"),
    pytest.param("settings_without_proxy_ssl_header", "192.0.2.1", True, id="without-header-loops"),
    # With the buildpack's FORWARDED_ALLOW_IPS='*', gunicorn itself
    # trusts X-Forwarded-Proto, so the loop needs both to be missing.
    pytest.param("settings_without_proxy_ssl_header", "*", False, id="without-header-gunicorn-trusts"),
])
def test_bad_config_redirect_loop(web_dyno, settings_module, forwarded_allow_ips, loops):
    """SECURE_SSL_REDIRECT without SECURE_PROXY_SSL_HEADER: the same path answered with 301 again and again.

    On Heroku the router's address is not 127.0.0.1, which gunicorn trusts by
    default; FORWARDED_ALLOW_IPS=192.0.2.1 (an address that is not this
    client's) makes gunicorn distrust this client as it would distrust the
    router without the buildpack's '*'. Redirects are followed as a browser
    follows them, through the router, so always over HTTPS.
    """
    assert "answered with 301 again and again" in PAGE.section("troubleshooting-redirect-loop").text
    chain, path = [], "/staff/1/rate/"
    with web_dyno(DJANGO_SETTINGS_MODULE=settings_module, FORWARDED_ALLOW_IPS=forwarded_allow_ips) as server:
        while len(chain) < 5 and (not chain or chain[-1][0] in (301, 302)):
            status, headers, _ = server.request("GET", path, headers=HTTPS)
            chain.append((status, path))
            path = re.sub(r"^https://[^/]+", "", headers.get("location", path))
        server.stop()
        log = server.log()  # once the server has stopped, every access log line is written
    if loops:
        assert chain == [(301, "/staff/1/rate/")] * 5, chain
        assert log.count('"GET /staff/1/rate/ HTTP/1.1" 301') >= 5, log
    else:
        assert chain == [(200, "/staff/1/rate/")], chain


# Rows a one-off dyno reproduces: `heroku run` with a throwaway SQLite database.


def on_a_dyno(slug, tmp_path, words):
    return one_off(slug, shlex.join(words), production_config_vars(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"))


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
    result = on_a_dyno(slug, tmp_path, django_shell(code))
    assert result.returncode != 0 and result.stderr.strip().splitlines()[-1] == expected, result.stderr


def test_findstatic_finds_the_file_the_page_names(slug, tmp_path):
    (words,) = [
        command.words() for block in PAGE.section("troubleshooting-manifest-entry").blocks(PAGE)
        for command in block.commands() if command.text.startswith("python example/manage.py findstatic ")
    ]
    result = on_a_dyno(slug, tmp_path, words)
    assert result.returncode == 0, result.stderr
    assert f"Found '{words[3]}' here:" in result.stdout
    assert str(slug.path / Path(slug.manage_py).parent / "static" / words[3]) in result.stdout


def test_no_such_table_without_migrate(slug, tmp_path):
    """A database nobody migrated: the page's 'no such table' (SQLite)."""
    assert "no such table" in PAGE.section("troubleshooting-release").literals()
    code = "from calibration.models import StaffMember; StaffMember.objects.count()"
    result = on_a_dyno(slug, tmp_path, django_shell(code))
    assert result.returncode != 0 and "no such table: calibration_staffmember" in result.stderr, result.stderr


def test_the_default_mail_port_is_the_pages(slug, tmp_path):
    """The e-mail row's "Unset, the example uses 587.", against the app with EMAIL_PORT unset."""
    text = " ".join(PAGE.section("troubleshooting-email-port").text.split())
    result = on_a_dyno(slug, tmp_path, django_shell("from django.conf import settings; print(settings.EMAIL_PORT)"))
    assert result.returncode == 0, result.stderr
    # The last line: Django 5.2's shell first says how many objects it imported.
    assert f"Unset, the example uses {result.stdout.split()[-1]}." in text, text


# too many connections: the connection budget of step 11. A role of the
# throwaway cluster gets a CONNECTION LIMIT below what one dyno of the
# example may hold (workers x threads, each thread keeping its connection
# for CONN_MAX_AGE), and the web dyno, with one worker, is put under 150
# requests from 10 clients: some fail, and the log shows the row's ``too
# many connections``. With the limit at the budget, none fail.


@pytest.mark.cluster
@pytest.mark.parametrize(("limit", "fails"), [
    pytest.param(2, True, id="limit-below-threads"),
    # gunicorn's threads per worker, from the app's gunicorn.conf.py (the build copies it as it is).
    pytest.param(example_values.example_value("gunicorn.conf.py:threads"), False, id="limit-at-budget"),
])
def test_connection_budget(database, web_dyno, limit, fails):
    assert "too many connections" in PAGE.section("troubleshooting-too-many-connections").literals()
    role = f"budget_{limit}"  # may open at most `limit` connections, and read and write the app's tables
    database.psql(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN CONNECTION LIMIT {limit}; "
                  f"GRANT pg_read_all_data, pg_write_all_data TO {role};")
    url = f"postgres://{role}@127.0.0.1:{database.port}/{database.database}"
    with web_dyno(DATABASE_URL=url, WEB_CONCURRENCY="1") as server, ThreadPoolExecutor(10) as clients:
        statuses = list(clients.map(lambda _: server.request("GET", "/", headers=HTTPS, timeout=20)[0], range(150)))
        server.stop()
        log = server.log()
    if fails:
        assert 500 in statuses and "too many connections" in log, (statuses, log[-3000:])
    else:
        assert set(statuses) == {200} and "too many connections" not in log, (statuses, log[-3000:])
