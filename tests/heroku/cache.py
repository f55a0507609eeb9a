"""The emulation's one cache: app environments and collectstatic outputs, in .nox/heroku-cache/, keyed on what made them.

Heroku keeps a build cache per app between pushes; here every session (tests,
smoke, faults, walk, bench) shares one folder, each entry named after a hash
of its inputs. An entry is made under a lock (two sessions building the same
thing take turns; the second finds it done), marked complete only when it
is, and the oldest entries of a kind beyond KEEP are pruned: a miss never
deletes what another key still uses.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("HEROKU_CACHE") or ROOT / ".nox" / "heroku-cache")
# Entries kept per kind: the example's (tests' venv, app venv), smoke's two uv apps, and the walk's reader projects.
KEEP = 10
COMPLETE = ".complete"


def digest(*parts):
    """A short hash of strings and bytes, in order."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(b"\0" + (part if isinstance(part, bytes) else str(part).encode()))
    return hashed.hexdigest()[:16]


@contextlib.contextmanager
def _locked(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def cached(kind, key, make):
    """The folder CACHE/KIND-KEY, made by make(folder) unless a complete one exists; (folder, made now?)."""
    folder = CACHE / f"{kind}-{key}"
    with _locked(folder):
        if (folder / COMPLETE).exists():
            os.utime(folder)  # the newest entry is the last one pruned
            return folder, False
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted attempt
        folder.mkdir(parents=True)
        try:
            make(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        (folder / COMPLETE).write_text(f"{key}\n")
    _prune(kind)
    return folder, True


def _prune(kind):
    entries = sorted((p for p in CACHE.glob(f"{kind}-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[KEEP:]:
        with _locked(stale):
            shutil.rmtree(stale, ignore_errors=True)
        Path(f"{stale}.lock").unlink(missing_ok=True)
