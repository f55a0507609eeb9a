"""app.json, Heroku's manifest for a Deploy button, read strictly and turned into the new app's config vars.

Source: Dev Center, "app.json Schema" (checked December 2026): the keys below
are the documented ones; `env` values are strings or objects of
description/value/required/generator, and the only generator is "secret",
"a pseudo-random string of characters". Dev Center gives no length, so
config_vars() makes 64 hexadecimal characters, what button-made apps
are seen to get (a hex-only key worked: imgproxy/imgproxy#369); the app.json
check proves the example accepts it (50 characters or more, 5 distinct or
more: Django's security.W009). Each add-on sets the config var its
provider documents; heroku-postgresql sets DATABASE_URL.
"""

import json
import re
import secrets
from pathlib import Path

KEYS = {
    "name", "description", "keywords", "website", "repository", "logo", "success_url", "scripts", "env",
    "formation", "image", "addons", "buildpacks", "environments", "stack",
}
ENV_KEYS = {"description", "value", "required", "generator"}
SCRIPTS = {"postdeploy", "pr-predestroy"}
DYNO_SIZES = {"eco", "basic", "standard-1x", "standard-2x", "performance-m", "performance-l"}
ADDON_CONFIG_VARS = {"heroku-postgresql": "DATABASE_URL"}


def read(project):
    """The project's app.json, each key checked against the documented schema (AssertionError names the key)."""
    manifest = json.loads((Path(project) / "app.json").read_text())
    assert set(manifest) <= KEYS, f"app.json keys Heroku does not document: {sorted(set(manifest) - KEYS)}"
    assert 3 <= len(manifest.get("name", "abc")) <= 30, "app.json name: 3 to 30 characters"
    for name, spec in manifest.get("env", {}).items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"app.json env {name!r}: not a config var name"
        if isinstance(spec, dict):
            assert set(spec) <= ENV_KEYS, f"app.json env {name}: unknown keys {sorted(set(spec) - ENV_KEYS)}"
            assert spec.get("generator", "secret") == "secret", f"app.json env {name}: the only generator is 'secret'"
            assert isinstance(spec.get("value", ""), str), f"app.json env {name}: a value is a string"
        else:
            assert isinstance(spec, str), f"app.json env {name}: a string or an object"
    assert set(manifest.get("scripts", {})) <= SCRIPTS, f"app.json scripts: only {sorted(SCRIPTS)}"
    for process, spec in manifest.get("formation", {}).items():
        assert set(spec) <= {"quantity", "size"} and isinstance(spec.get("quantity"), int), f"app.json formation {process}: {spec}"
        assert spec.get("size", "basic").lower() in DYNO_SIZES, f"app.json formation {process}: size {spec['size']!r}"
    for addon in manifest.get("addons", []):
        plan = addon["plan"] if isinstance(addon, dict) else addon
        assert re.fullmatch(r"[a-z0-9-]+(:[a-z0-9-]+)?", plan), f"app.json addons: {plan!r} is not service:plan"
    for buildpack in manifest.get("buildpacks", []):
        assert set(buildpack) == {"url"}, f"app.json buildpacks: {buildpack} (each is {{'url': ...}})"
    return manifest


def config_vars(manifest, addon_config_vars):
    """The config vars a button-made app starts with: app.json's env (secrets generated), then what each add-on sets.

    `addon_config_vars` maps an add-on service ("heroku-postgresql") to the
    value of the variable it sets (here, the session's database).
    """
    config = {}
    for name, spec in manifest.get("env", {}).items():
        if isinstance(spec, str):
            config[name] = spec
        elif spec.get("generator") == "secret":
            config[name] = secrets.token_hex(32)
        elif "value" in spec:
            config[name] = spec["value"]
        else:
            assert spec.get("required") is False, f"app.json env {name}: required, with no value or generator to fill it"
    for addon in manifest.get("addons", []):
        service = (addon["plan"] if isinstance(addon, dict) else addon).split(":")[0]
        name = addon.get("as", ADDON_CONFIG_VARS[service]) if isinstance(addon, dict) else ADDON_CONFIG_VARS[service]
        config[name] = addon_config_vars[service]
    return config
