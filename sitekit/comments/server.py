"""Run the Isso comment server (development, `invoke serve`, tests) and stop it cleanly.

Isso is a dependency, not our code: this module only writes/reads its config files,
starts ``isso -c <config> run`` as a child process and waits until it answers.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG_DIR = ROOT / "comments-server"
DEV_CONFIG = CONFIG_DIR / "dev.cfg"
PRODUCTION_CONFIG = CONFIG_DIR / "production.cfg"
VAR_DIR = ROOT / "var"
BACKUP_DIR = VAR_DIR / "backups"
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class CommentServerError(Exception):
    """Something the author can fix (missing variable, port in use, server died)."""


@dataclass
class IssoServer:
    url: str
    config: Path
    database: Path
    process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is None or self.process.poll() is None


def isso_command(config: Path) -> list[str]:
    """``isso -c CONFIG run`` from the same environment as this Python."""
    candidate = Path(sys.executable).with_name("isso")
    executable = str(candidate) if candidate.exists() else shutil.which("isso")
    if not executable:
        raise CommentServerError("isso is not installed: pip install -r requirements.txt")
    return [executable, "-c", str(config), "run"]


def read_config(config: Path) -> configparser.ConfigParser:
    """The config as written (no variable expansion), for our own checks."""
    parser = configparser.ConfigParser(interpolation=None)
    with open(config, encoding="utf-8") as handle:
        parser.read_file(handle)
    return parser


def write_config(base: Path, destination: Path, overrides: Mapping[str, Mapping[str, str]]) -> Path:
    """Copy ``base`` with some values replaced (tests: temp database, free ports)."""
    parser = read_config(base)
    for section, values in overrides.items():
        if not parser.has_section(section):
            parser.add_section(section)
        for key, value in values.items():
            parser.set(section, key, str(value))
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return destination


def database_path(config: Path, cwd: Path = ROOT) -> Path:
    """Where the config keeps the database; relative paths are from the repo root."""
    raw = os.path.expandvars(read_config(config).get("general", "dbpath"))
    path = Path(raw).expanduser()
    return path if path.is_absolute() else cwd / path


def listen_url(config: Path) -> str:
    listen = read_config(config).get("server", "listen", fallback="http://localhost:8080")
    if not listen.startswith("http://"):
        raise CommentServerError(f"{config}: [server] listen must be http://host:port here")
    return listen.rstrip("/")


def missing_variables(config: Path, environ: Mapping[str, str] = os.environ) -> list[str]:
    """``$NAMES`` the config uses that are not set: Isso would use them literally."""
    text = Path(config).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(("#", ";"))]
    names = {a or b for a, b in _VARIABLE.findall("\n".join(lines))}
    return sorted(name for name in names if not environ.get(name))


def port_in_use(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) == 0


def is_answering(url: str, timeout: float = 1.0) -> bool:
    """Isso answers ``GET /config`` with its public client settings."""
    try:
        with urllib.request.urlopen(f"{url}/config", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


# SMTP_SECURITY (shared with the audience server) in Isso's words; isso_wsgi.py too.
ISSO_SECURITY = {"none": "none", "starttls": "starttls", "tls": "ssl"}


def with_isso_security(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    if not env.get("ISSO_SMTP_SECURITY"):
        env["ISSO_SMTP_SECURITY"] = ISSO_SECURITY.get(env.get("SMTP_SECURITY", ""), "starttls")
    return env


def development_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment for a local server: a throwaway admin password if none is set."""
    env = with_isso_security(environ)
    if not env.get("ISSO_ADMIN_PASSWORD"):
        env["ISSO_ADMIN_PASSWORD"] = secrets.token_urlsafe(12)
    return env


def start_isso(
    config: Path,
    *,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    cwd: Path = ROOT,
    timeout: float = 20.0,
) -> IssoServer:
    """Start Isso and return once it answers; raise with its log if it doesn't."""
    env = with_isso_security(env if env is not None else os.environ)
    missing = missing_variables(config, env)
    if missing:
        raise CommentServerError(
            f"{config.name}: set the environment variable(s) {', '.join(missing)} first"
        )
    url = listen_url(config)
    if port_in_use(url):
        raise CommentServerError(f"{url} is already in use (another comment server?)")
    database = database_path(config, cwd)
    database.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = subprocess.Popen(
            isso_command(config), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        if log_path:
            log.close()
    server = IssoServer(url=url, config=config, database=database, process=process)
    deadline = time.monotonic() + timeout
    while not is_answering(url, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_isso(server)
            detail = _tail(log_path) if log_path else "see its output above"
            raise CommentServerError(f"Isso did not start at {url}: {detail}")
        time.sleep(0.05)  # polling interval while waiting for the port to answer
    return server


def stop_isso(server: IssoServer, timeout: float = 5.0) -> None:
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
def running_isso(config: Path, **start_options) -> Iterator[IssoServer]:
    """A comment server for the duration of a ``with`` block, always stopped after."""
    server = start_isso(config, **start_options)
    try:
        yield server
    finally:
        stop_isso(server)


@contextlib.contextmanager
def comment_server_alongside(
    config: Path = DEV_CONFIG, log_path: Path = VAR_DIR / "isso.log"
) -> Iterator[IssoServer | None]:
    """For `invoke serve`: start the dev comment server unless one is already running."""
    url = listen_url(config)
    if is_answering(url):
        print(f"Comments: using the comment server already running at {url}/", flush=True)
        yield None
        return
    env = development_environment()
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        server = start_isso(config, env=env, log_path=log_path)
    except CommentServerError as error:
        print(f"Comments: not started: {error}", flush=True)
        yield None
        return
    print(f"Comments: Isso at {url}/ (log: {log_path})", flush=True)
    _print_admin_hint(url, env, os.environ)
    try:
        with _terminate_as_exit():
            yield server
    finally:
        stop_isso(server)
        print("Comments: stopped the comment server", flush=True)


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """A plain `kill` ends the block like Ctrl-C does, so the child server is stopped too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve_comments(config: Path = DEV_CONFIG) -> int:
    """`invoke comments`: run Isso in the foreground until Ctrl-C."""
    # Only the development config gets a made-up admin password; any other must be set.
    env = development_environment() if config == DEV_CONFIG else with_isso_security(os.environ)
    missing = missing_variables(config, env)
    if missing:
        print(f"error: {config.name}: set {', '.join(missing)} first", file=sys.stderr)
        return 1
    url = listen_url(config)
    if port_in_use(url):
        print(f"error: {url} is already in use (another comment server?)", file=sys.stderr)
        return 1
    database_path(config).parent.mkdir(parents=True, exist_ok=True)
    print(f"Comments: Isso at {url}/ with database {database_path(config)}", flush=True)
    _print_admin_hint(url, env, os.environ)
    process = subprocess.Popen(isso_command(config), cwd=ROOT, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop_isso(IssoServer(url=url, config=config, database=Path(), process=process))
        print("\nComments: stopped", flush=True)
        return 0


def _print_admin_hint(url: str, env: Mapping[str, str], original: Mapping[str, str]) -> None:
    if original.get("ISSO_ADMIN_PASSWORD"):
        print(f"Comments: admin at {url}/admin/ (password from ISSO_ADMIN_PASSWORD)")
    else:
        password = env["ISSO_ADMIN_PASSWORD"]
        print(f"Comments: admin at {url}/admin/ with this session's password: {password}")


def _tail(path: Path | None, lines: int = 15) -> str:
    if not path or not path.exists():
        return "no log"
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "empty log"
