"""Deploy to GitHub Pages: one ghp-import commit of the whole site on a branch.

A commit switches the branch from the old tree to the new one in one step, so Pages
serves one or the other. Nothing is committed when the tree would not change. Git
reaches the remote with its own configuration (SSH keys, credential helpers).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from .report import Summary
from .staging import PublishError, staged_files


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes, to compare without committing."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def publish_to_github_pages(
    site_dir: str | Path,
    *,
    repo: str | Path,
    branch: str = "gh-pages",
    cname: str = "",
    remote: str = "origin",
    message: str = "Publish site",
    dry_run: bool = False,
) -> Summary:
    """Commit ``site_dir`` (plus .nojekyll and CNAME) to ``branch`` and push it to ``remote``."""
    started = time.perf_counter()
    if not branch:
        raise PublishError("GITHUB_PAGES_BRANCH is not set")
    git = _Git(Path(repo))
    git.run("rev-parse", "--git-dir", what=f"{repo} is not a git repository")
    base = _base_ref(git, branch, remote)

    wanted = {name: git_blob_id(path.read_bytes()) for name, path in staged_files(site_dir).items()}
    wanted[".nojekyll"] = git_blob_id(b"")
    if cname:
        wanted["CNAME"] = git_blob_id(cname.encode("utf-8"))
    existing = git.tree(base) if base else {}
    uploads = sorted(name for name, blob in wanted.items() if existing.get(name) != blob)
    deletes = sorted(name for name in existing if name not in wanted)
    site = Path(site_dir)
    summary = Summary(
        destination=f"git branch {branch}" + (f" on {remote}" if remote else ""),
        uploaded=uploads,
        unchanged=len(wanted) - len(uploads),
        deleted=deletes,
        bytes=sum((site / name).stat().st_size for name in uploads if (site / name).is_file()),
        dry_run=dry_run,
    )
    if dry_run or not (uploads or deletes):
        return summary

    before = git.rev(f"refs/heads/{branch}")
    command = [sys.executable, "-m", "ghp_import", str(site), "--no-jekyll"]
    command += ["--branch", branch, "--message", message]
    if cname:
        command += ["--cname", cname]
    if remote:
        command += ["--push", "--remote", remote]
    result = subprocess.run(command, cwd=git.repo, capture_output=True, text=True)
    after = git.rev(f"refs/heads/{branch}")
    if after is None or after == before:
        raise PublishError(f"ghp-import made no commit on {branch}: {_reason(result)}")
    if result.returncode != 0:
        raise PublishError(
            f"committed {after[:12]} to {branch} but pushing to {remote} failed: {_reason(result)}"
        )
    summary.notes.append(f"{branch} is now at {after[:12]}")
    summary.seconds = time.perf_counter() - started
    return summary


class _Git:
    def __init__(self, repo: Path):
        self.repo = repo

    def run(self, *args: str, what: str = "") -> str:
        try:
            result = subprocess.run(
                ["git", "-C", str(self.repo), *args], capture_output=True, text=True
            )
        except FileNotFoundError:
            raise PublishError("git is not installed") from None
        if result.returncode != 0:
            raise PublishError(what or f"git {args[0]} failed: {_reason(result)}")
        return result.stdout

    def rev(self, ref: str) -> str | None:
        result = subprocess.run(
            ["git", "-C", str(self.repo), "rev-parse", "--verify", "--quiet", ref],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() if result.returncode == 0 else None

    def tree(self, ref: str) -> dict[str, str]:
        """Blob ids of every file in ``ref``'s tree, by path."""
        output = self.run("ls-tree", "-r", "-z", "--full-tree", ref)
        blobs = {}
        for entry in output.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            _mode, kind, blob = meta.split()
            if kind == "blob":
                blobs[path] = blob
        return blobs


def _base_ref(git: _Git, branch: str, remote: str) -> str | None:
    """What the new commit replaces: the remote's branch when there is a remote."""
    if remote:
        heads = git.run(
            "ls-remote",
            "--heads",
            remote,
            f"refs/heads/{branch}",
            what=f"cannot reach git remote {remote!r}",
        )
        if not heads.strip():
            return None  # first publish to this remote: everything is new there
        tracking = f"refs/remotes/{remote}/{branch}"
        git.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:{tracking}")
        return tracking
    return f"refs/heads/{branch}" if git.rev(f"refs/heads/{branch}") else None


def _reason(result: subprocess.CompletedProcess) -> str:
    """The line of git or ghp-import output that says what went wrong."""
    output = (result.stderr or "") + "\n" + (result.stdout or "")
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:", "ghp_import.py: error:", "! [")):
            return line
    return lines[-1] if lines else f"exit {result.returncode}"
