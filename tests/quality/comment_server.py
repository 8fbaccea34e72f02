"""The production comment server config (comments-server/production.cfg), made runnable
on loopback for a test: temporary database, no mail, dummy values for its secrets."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from sitekit.comments.server import (
    PRODUCTION_CONFIG,
    IssoServer,
    is_answering,
    missing_variables,
    start_isso,
    stop_isso,
    write_config,
)
from tests.sitebuild import ROOT, free_port, require

# The WSGI entry the systemd unit runs (a process-shared lock for --preload workers).
COMMENTS_SERVER_DIR = ROOT / "comments-server"

# Values for the $VARIABLES production.cfg reads from its environment file.
DUMMY_ENVIRONMENT = {
    "ISSO_ADMIN_PASSWORD": "test-admin-password",
    "ISSO_HASH_SALT": "test-salt",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "25",
    "SMTP_USERNAME": "test",
    "SMTP_PASSWORD": "test",
    "MAIL_FROM": "test@example.com",
    "ISSO_SMTP_SECURITY": "none",
    "ISSO_NOTIFY_TO": "test@example.invalid",
}


def require_isso() -> None:
    require(importlib.util.find_spec("isso") is not None, "isso is not installed")
    require(PRODUCTION_CONFIG.exists(), f"no comment server config at {PRODUCTION_CONFIG}")


def production_config(
    folder: Path,
    site_origin: str,
    port: int,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """production.cfg with a temporary database, on ``port``, for the site at ``site_origin``.

    Mail goes to stdout instead of SMTP; everything else (moderation, guard, proxy
    trust) stays as deployed unless ``overrides`` says otherwise.
    """
    changes: dict[str, dict[str, str]] = {
        "general": {
            "dbpath": str(folder / "comments.db"),
            "host": site_origin,
            "notify": "stdout",
            "log-file": str(folder / "isso-app.log"),
        },
        "server": {"listen": f"http://127.0.0.1:{port}"},
    }
    for section, values in (overrides or {}).items():
        changes.setdefault(section, {}).update(values)
    return write_config(PRODUCTION_CONFIG, folder / "isso.cfg", changes)


def environment(config: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **DUMMY_ENVIRONMENT, **(extra or {}), "ISSO_SETTINGS": str(config)}
    missing = missing_variables(config, env)
    assert not missing, f"production.cfg needs variables the test does not set: {missing}"
    return env


@contextlib.contextmanager
def single_process_isso(folder: Path, site_origin: str, **config) -> Iterator[IssoServer]:
    """Isso's own server (``isso run``): enough for one browser."""
    require_isso()
    port = free_port()
    path = production_config(folder, site_origin, port, config.get("overrides"))
    server = start_isso(path, env=environment(path), log_path=folder / "isso.log", cwd=folder)
    try:
        yield server
    finally:
        stop_isso(server)


@contextlib.contextmanager
def gunicorn_isso(
    folder: Path,
    site_origin: str,
    workers: int,
    overrides=None,
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[IssoServer]:
    """Isso as deployed (comments-server/isso.service): gunicorn, --preload, N workers.

    ``env`` adds to the environment file's variables (e.g. ISSO_SITE_ROOT).
    """
    require_isso()
    require(importlib.util.find_spec("gunicorn") is not None, "gunicorn is not installed")
    port = free_port()
    path = production_config(folder, site_origin, port, overrides)
    url = f"http://127.0.0.1:{port}"
    log = folder / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--config", str(COMMENTS_SERVER_DIR / "gunicorn.conf.py"),
        "--forwarded-allow-ips", "127.0.0.1",
        "--graceful-timeout", "5",
        "--pythonpath", str(COMMENTS_SERVER_DIR),
        "isso_wsgi:application",
    ]  # fmt: skip
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command, cwd=folder, env=environment(path, env), stdout=output, stderr=subprocess.STDOUT
        )
    server = IssoServer(url=url, config=path, database=folder / "comments.db", process=process)
    try:
        deadline = time.monotonic() + timeout
        while not is_answering(url, timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn/Isso did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)  # polling interval while the workers boot
        yield server
    finally:
        stop_isso(server, timeout=10)
