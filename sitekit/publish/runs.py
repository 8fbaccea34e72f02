"""What makes publishing safe to repeat on a schedule: one run at a time, and a run
that finds nothing new to ship costs nothing.

Both live in ``PUBLISH_STATE_PATH`` (default ``var/publish/``). The lock is an advisory
``flock`` on ``publish.lock`` there (released by the kernel when the process ends, so a
killed run never leaves it held). What went live last is kept as a digest of the whole
built tree per target and destination, in ``last-published.json``, written only after
a deploy succeeded.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .staging import PublishError, staged_files

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_STATE = ROOT / "var" / "publish"


def state_path(settings: dict) -> Path:
    return Path(settings.get("PUBLISH_STATE_PATH") or DEFAULT_STATE)


class PublishBusy(PublishError):
    """Another publish holds the lock."""


@contextlib.contextmanager
def publish_lock(state: Path) -> Iterator[None]:
    """Hold the publish lock for the block, or refuse at once if another run holds it."""
    path = state / "publish.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishBusy(
                f"another publish is running (lock {_shown(path)} is held); this run did nothing"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tree_digest(site_dir: Path) -> str:
    """Names and bytes of every file of a built site: equal digests, identical sites."""
    hasher = hashlib.sha256()
    for name, path in staged_files(site_dir).items():
        hasher.update(name.encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def _record_path(state: Path) -> Path:
    return state / "last-published.json"


def _key(target: str, destination: str) -> str:
    return f"{target}:{destination}"


def last_published(state: Path, target: str, destination: str) -> str | None:
    try:
        records = json.loads(_record_path(state).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    record = records.get(_key(target, destination)) if isinstance(records, dict) else None
    return record.get("digest") if isinstance(record, dict) else None


def remember_published(state: Path, target: str, destination: str, digest: str) -> None:
    path = _record_path(state)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(records, dict):
            records = {}
    except (OSError, ValueError):
        records = {}
    records[_key(target, destination)] = {
        "digest": digest,
        "published_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
