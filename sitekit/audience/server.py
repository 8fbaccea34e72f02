"""Run the audience server for development (`invoke serve`, tests) and stop it cleanly.

The server is started the way production runs it: gunicorn with
``audience-server/gunicorn.conf.py`` and ``audience.wsgi:application``, as a child
process, configured through its environment. We wait until ``/health`` answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from audience.config import ConfigError, database_path, load_config
from sitekit.comments.server import _terminate_as_exit, port_in_use

ROOT = Path(__file__).resolve().parent.parent.parent
VAR_DIR = ROOT / "var"
GUNICORN_CONFIG = ROOT / "audience-server" / "gunicorn.conf.py"
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8090


class AudienceServerError(Exception):
    """Something the author can fix (bad setting, port in use, server died)."""


@dataclass
class AudienceServer:
    url: str
    database: Path
    process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is None or self.process.poll() is None


def gunicorn_command(host: str, port: int, workers: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(GUNICORN_CONFIG),
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "audience.wsgi:application",
    ]


def development_environment(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The environment for a local server: its own address, the site's name and author."""
    env = dict(environ)
    env.setdefault("AUDIENCE_PUBLIC_URL", f"http://{host}:{port}")
    if (ROOT / "output").is_dir():  # reading stats count only the pages the build made
        env.setdefault("AUDIENCE_SITE_ROOT", str(ROOT / "output"))
    if not env.get("AUDIENCE_SITE_NAME") or not env.get("AUDIENCE_AUTHOR"):
        name, author = site_identity()
        env.setdefault("AUDIENCE_SITE_NAME", name)
        env.setdefault("AUDIENCE_AUTHOR", author)
    return env


def site_identity() -> tuple[str, str]:
    """SITENAME and AUTHOR from pelicanconf.py, the one place they are set."""
    try:
        from pelican.settings import read_settings

        settings = read_settings(str(ROOT / "pelicanconf.py"))
    except Exception:  # a broken settings file must not stop the mail server
        return "this site", "this site"
    name = settings.get("SITENAME") or "this site"
    return name, settings.get("AUTHOR") or name


def is_answering(url: str, timeout: float = 1.0) -> bool:
    """The audience server answers ``GET /health`` with ``{"ok": true}``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200 and json.load(response) == {"ok": True}
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_audience(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    cwd: Path = ROOT,
    workers: int = 2,
    timeout: float = 20.0,
) -> AudienceServer:
    """Start the server and return once it answers; raise with its log if it doesn't."""
    env = dict(env if env is not None else development_environment(host, port))
    try:
        load_config(env)  # a bad setting is one clear line here, not a dead worker
    except ConfigError as error:
        raise AudienceServerError(str(error)) from None
    url = f"http://{host}:{port}"
    if port_in_use(url):
        raise AudienceServerError(f"{url} is already in use (another audience server?)")
    env.setdefault("PYTHONPATH", str(ROOT))
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = subprocess.Popen(
            gunicorn_command(host, port, workers),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        if log_path:
            log.close()
    server = AudienceServer(url=url, database=database_path(env), process=process)
    deadline = time.monotonic() + timeout
    while not is_answering(url, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_audience(server)
            detail = _tail(log_path) if log_path else "see its output above"
            raise AudienceServerError(f"the audience server did not start at {url}: {detail}")
        time.sleep(0.05)  # polling interval while waiting for the port to answer
    return server


def stop_audience(server: AudienceServer, timeout: float = 10.0) -> None:
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


@contextlib.contextmanager
def running_audience(**start_options) -> Iterator[AudienceServer]:
    """An audience server for the duration of a ``with`` block, always stopped after."""
    server = start_audience(**start_options)
    try:
        yield server
    finally:
        stop_audience(server)


@contextlib.contextmanager
def audience_server_alongside(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    log_path: Path = VAR_DIR / "audience.log",
    environ: Mapping[str, str] | None = None,
) -> Iterator[AudienceServer | None]:
    """For `invoke serve`: start the dev audience server unless one is already running."""
    url = f"http://{host}:{port}"
    if is_answering(url):
        print(f"Audience: using the audience server already running at {url}/", flush=True)
        yield None
        return
    env = development_environment(host, port, os.environ if environ is None else environ)
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        server = start_audience(host, port, env=env, log_path=log_path)
    except AudienceServerError as error:
        print(f"Audience: not started: {error}", flush=True)
        yield None
        return
    config = load_config(env)
    print(f"Audience: sign-ups at {url}/ (database {server.database}, log {log_path})", flush=True)
    print(f"Audience: {mail_destination(config)}", flush=True)
    try:
        with _terminate_as_exit():
            yield server
    finally:
        stop_audience(server)
        print("Audience: stopped the audience server", flush=True)


def mail_destination(config) -> str:
    smtp = config.smtp
    if smtp.host == "127.0.0.1" and smtp.port == 1025:
        return "mail goes to the local mail catcher on 127.0.0.1:1025"
    return f"mail goes to {smtp.host}:{smtp.port} ({smtp.security})"


def _tail(path: Path | None, lines: int = 15) -> str:
    if not path or not path.exists():
        return "no log"
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "empty log"
