"""Deploy with rsync into timestamped releases, then switch a ``current`` symlink.

Layout under PUBLISH_DEST (a local path or ``[user@]host:path``)::

    releases/20250101T120000.000000Z/   one complete site per publish (UTC time)
    current -> releases/<name>          what the web server serves

A release is uploaded as ``releases/.incoming-<name>/`` (unchanged files hard-linked
to the live release with ``--link-dest``), renamed once complete, and only then does
``current`` move: a new symlink renamed over the old one, so a reader gets the old
site or the new one, never a mix. Remote hosts are reached with ``ssh`` (or
``RSYNC_RSH``) and its usual configuration; rsync uses the same.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TextIO

from .report import Progress, Summary
from .staging import PublishError, staged_files

KEEP_RELEASES = 5
RELEASE_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")
RELEASE_FORMAT = "%Y%m%dT%H%M%S.%fZ"
INCOMING_PREFIX = ".incoming-"
# No --times: a fresh build has fresh mtimes, and rsync hard-links (--link-dest) only
# files whose preserved attributes all match. --checksum compares content instead,
# so a file keeps the mtime of the publish that last changed it.
RSYNC_OPTIONS = ["--recursive", "--links", "--perms", "--checksum", "--chmod=D755,F644"]
# Itemized names, one per line, with UTF-8 names left as they are.
REPORT_OPTIONS = ["--out-format=%i %n", "--8-bit-output"]
ITEM_WIDTH = 11  # rsync's %i field


@dataclass
class ReleaseState:
    """What is at the destination: the live release and every complete or partial one."""

    current: str | None
    releases: list[str]
    incoming: list[str]

    @classmethod
    def from_listing(cls, current_target: str, names: list[str]) -> ReleaseState:
        current = PurePosixPath(current_target).name if current_target.strip() else None
        return cls(
            current=current,
            releases=sorted(n for n in names if RELEASE_NAME.match(n)),
            incoming=sorted(n for n in names if n.startswith(INCOMING_PREFIX)),
        )

    @property
    def live(self) -> str | None:
        return self.current if self.current in self.releases else None


class _LocalStore:
    def __init__(self, root: Path):
        self.root = root
        self.releases = root / "releases"

    def url(self, sub: str) -> str:
        return f"{self.root}/{sub}"

    def state(self) -> ReleaseState:
        link = self.root / "current"
        target = ""
        if link.is_symlink():
            target = os.readlink(link)
        elif link.exists():
            raise PublishError(f"{link} is not a symlink; move it away so releases can switch")
        names = os.listdir(self.releases) if self.releases.is_dir() else []
        return ReleaseState.from_listing(target, names)

    def prepare(self, stale: list[str]) -> None:
        try:
            self.releases.mkdir(parents=True, exist_ok=True)
            for name in stale:
                shutil.rmtree(self.releases / name)
        except OSError as error:
            raise PublishError(f"cannot prepare {self.releases}: {error}") from None

    def activate(self, incoming: str, release: str) -> None:
        try:
            os.rename(self.releases / incoming, self.releases / release)
        except OSError as error:
            raise PublishError(f"cannot complete releases/{release}: {error}") from None
        self.switch(release)

    def switch(self, release: str) -> None:
        temporary = self.root / "current.tmp"
        try:
            if temporary.is_symlink() or temporary.exists():
                temporary.unlink()
            os.symlink(f"releases/{release}", temporary)
            os.replace(temporary, self.root / "current")
        except OSError as error:
            raise PublishError(f"cannot switch {self.root}/current: {error}") from None

    def remove(self, names: list[str]) -> None:
        try:
            for name in names:
                shutil.rmtree(self.releases / name)
        except OSError as error:
            raise PublishError(f"cannot remove an old release: {error}") from None


class _SshStore:
    def __init__(self, host: str, path: str):
        self.host = host
        self.path = path.rstrip("/") or "/"

    def url(self, sub: str) -> str:
        return f"{self.host}:{self.path}/{sub}"

    def _run(self, command: str) -> str:
        try:
            result = subprocess.run(
                [*remote_shell(), self.host, command], capture_output=True, text=True
            )
        except FileNotFoundError:
            raise PublishError(f"cannot run {remote_shell()[0]} to reach {self.host}") from None
        if result.returncode != 0:
            reason = _reason(result.stderr) or f"exit {result.returncode}"
            raise PublishError(f"ssh {self.host}: {reason}")
        return result.stdout

    def state(self) -> ReleaseState:
        root = shlex.quote(self.path)
        output = self._run(
            f"cd {root} 2>/dev/null || exit 0; "
            "if [ -e current ] && [ ! -L current ]; then echo not-a-link; exit 0; fi; "
            'printf "current=%s\\n" "$(readlink current 2>/dev/null)"; '
            "ls -1A releases 2>/dev/null; exit 0"
        )
        lines = output.splitlines()
        if lines[:1] == ["not-a-link"]:
            raise PublishError(
                f"{self.host}:{self.path}/current is not a symlink; move it away so "
                "releases can switch"
            )
        target = lines[0].removeprefix("current=") if lines else ""
        return ReleaseState.from_listing(target, lines[1:])

    def prepare(self, stale: list[str]) -> None:
        releases = shlex.quote(f"{self.path}/releases")
        command = f"mkdir -p {releases}"
        if stale:
            command += f" && cd {releases} && rm -rf -- {_quoted(stale)}"
        self._run(command)

    def activate(self, incoming: str, release: str) -> None:
        self._run(
            f"cd {shlex.quote(self.path)} && "
            f"mv -T releases/{shlex.quote(incoming)} releases/{shlex.quote(release)} && "
            + _switch_command(release)
        )

    def switch(self, release: str) -> None:
        self._run(f"cd {shlex.quote(self.path)} && " + _switch_command(release))

    def remove(self, names: list[str]) -> None:
        if names:
            releases = shlex.quote(f"{self.path}/releases")
            self._run(f"cd {releases} && rm -rf -- {_quoted(names)}")


def _switch_command(release: str) -> str:
    target = shlex.quote(f"releases/{release}")
    return f"ln -sfn {target} current.tmp && mv -T current.tmp current"


def _quoted(names: list[str]) -> str:
    return " ".join(shlex.quote(name) for name in names)


def remote_shell() -> list[str]:
    """The remote shell rsync would use: RSYNC_RSH, else plain ssh (and ~/.ssh/config)."""
    return shlex.split(os.environ.get("RSYNC_RSH", "")) or ["ssh"]


def open_destination(destination: str) -> _LocalStore | _SshStore:
    """A local path, or ``[user@]host:path`` as rsync reads it (a colon before any slash)."""
    if not destination.strip():
        raise PublishError("PUBLISH_DEST is not set: give a local path or user@host:/path")
    match = re.match(r"^(?P<host>[^/:]+):(?P<path>.*)$", destination)
    if match:
        # ssh commands start in the home directory, where rsync's relative paths start too
        path = re.sub(r"^~(/|$)", "", match["path"]) or "."
        return _SshStore(match["host"], path)
    return _LocalStore(Path(destination).expanduser().absolute())


def publish_with_rsync(
    site_dir: str | Path,
    destination: str,
    *,
    dry_run: bool = False,
    keep: int = KEEP_RELEASES,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> Summary:
    """Upload ``site_dir`` as a new release at ``destination`` and make it current."""
    started = time.perf_counter()
    store = open_destination(destination)
    files = staged_files(site_dir)
    state = store.state()
    base = state.live or (state.releases[-1] if state.releases else None)
    if base:
        uploads, deletes = _compare(site_dir, store.url(f"releases/{base}/"))
    else:
        uploads, deletes = list(files), []
    summary = Summary(
        destination=f"rsync {destination}",
        uploaded=uploads,
        unchanged=len(files) - len(uploads),
        deleted=deletes,
        bytes=sum(files[name].stat().st_size for name in uploads if name in files),
        dry_run=dry_run,
    )
    if dry_run:
        summary.notes.append(
            f"would upload a new release and point current at it "
            f"({len(state.releases)} release(s) there now)"
        )
        return summary

    release = _release_name(now or datetime.now(UTC), state.releases)
    incoming = INCOMING_PREFIX + release
    store.prepare(stale=state.incoming)
    progress = Progress(len(uploads), summary.bytes, stream=err)
    try:
        _transfer(site_dir, store.url(f"releases/{incoming}/"), base, files, progress)
    except (PublishError, KeyboardInterrupt) as error:
        progress.close()
        with contextlib.suppress(PublishError):  # else the next publish removes it
            store.remove([incoming])
        if isinstance(error, KeyboardInterrupt):
            raise
        live = f"releases/{state.current}" if state.current else "nothing"
        raise PublishError(f"{error}; current still points at {live}") from None
    progress.close()
    store.activate(incoming, release)
    summary.notes.append(f"current -> releases/{release}")

    everything = sorted([*state.releases, release])
    old = [name for name in everything[: max(0, len(everything) - keep)] if name != release]
    if old:
        store.remove(old)
        summary.notes.append(f"removed {len(old)} old release(s), kept {keep}")
    summary.seconds = time.perf_counter() - started
    return summary


def rollback_release(destination: str, *, dry_run: bool = False) -> tuple[str, str]:
    """Point ``current`` at the release before it; return (now live, previously live)."""
    store = open_destination(destination)
    state = store.state()
    if state.live is None:
        raise PublishError(f"no current release at {destination}")
    index = state.releases.index(state.live)
    if index == 0:
        raise PublishError(
            f"releases/{state.live} is the oldest release at {destination}; nothing to roll back to"
        )
    previous = state.releases[index - 1]
    if not dry_run:
        store.switch(previous)
    return previous, state.live


def _release_name(now: datetime, existing: list[str]) -> str:
    """A UTC timestamp that sorts after every existing release, even if the clock went back."""
    moment = now.astimezone(UTC)
    name = moment.strftime(RELEASE_FORMAT)
    while name in existing or (existing and name <= existing[-1]):
        latest = datetime.strptime(existing[-1], RELEASE_FORMAT).replace(tzinfo=UTC)
        moment = max(moment, latest) + timedelta(microseconds=1)
        name = moment.strftime(RELEASE_FORMAT)
    return name


def _run_rsync(arguments: list[str], on_line=None) -> None:
    command = ["rsync", *arguments]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        try:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=stderr, text=True, errors="replace"
            )
        except FileNotFoundError:
            raise PublishError("rsync is not installed (apt-get install rsync)") from None
        try:
            for line in process.stdout:
                if on_line:
                    on_line(line.rstrip("\n"))
            code = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        if code != 0:
            stderr.seek(0)
            reason = _reason(stderr.read()) or "no message"
            raise PublishError(f"rsync failed (exit {code}): {reason}")


def _compare(site_dir: str | Path, release_url: str) -> tuple[list[str], list[str]]:
    """Files that differ from (or are missing in) a release, and files only it has."""
    uploads: list[str] = []
    deletes: list[str] = []

    def sort(line: str) -> None:
        item, name = line[:ITEM_WIDTH], line[ITEM_WIDTH + 1 :]
        if _is_file_transfer(item):
            uploads.append(name)
        elif item.startswith("*deleting") and not name.endswith("/"):
            deletes.append(name)

    _run_rsync(
        [
            *RSYNC_OPTIONS,
            "--dry-run",
            "--delete",
            *REPORT_OPTIONS,
            f"{site_dir}/",
            release_url,
        ],
        sort,
    )
    return sorted(uploads), sorted(deletes)


def _transfer(
    site_dir: str | Path,
    target_url: str,
    base: str | None,
    files: dict[str, Path],
    progress: Progress,
) -> None:
    def advance(line: str) -> None:
        item, name = line[:ITEM_WIDTH], line[ITEM_WIDTH + 1 :]
        if _is_file_transfer(item):
            size = files[name].stat().st_size if name in files else 0
            progress.advance(name, size)

    link_dest = [f"--link-dest=../{base}"] if base else []
    _run_rsync(
        [*RSYNC_OPTIONS, *link_dest, *REPORT_OPTIONS, f"{site_dir}/", target_url],
        advance,
    )


def _is_file_transfer(item: str) -> bool:
    """An itemized line for a file sent: ``>f`` locally, ``<f`` when pushing to a host."""
    return item[:1] in ("<", ">") and item[1:2] == "f"


def _reason(stderr: str) -> str:
    """The line of rsync/ssh error output that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("rsync:") or line.startswith("rsync error:"):
            return line
    return lines[-1] if lines else ""
