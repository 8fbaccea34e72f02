"""Publish the site: build into a fresh staging directory, check it, then deploy it.

Nothing moves unless the build has no warnings and every pre-flight check passes;
each target then switches readers from the old site to the new one as atomically as
it can (see the target modules). Settings come from publishconf.py, where each one
can be overridden by an environment variable of the same name.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sitekit.checks import check_site, development_origins

from .report import Summary
from .runs import last_published, publish_lock, remember_published, state_path, tree_digest
from .staging import PublishError, staged_build

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_SETTINGS = ROOT / "publishconf.py"
TARGETS = ("rsync", "s3", "gh-pages")

__all__ = ["PublishError", "Summary", "TARGETS", "publish", "read_publish_settings", "rollback"]

Deploy = Callable[[Path, bool, TextIO], Summary]
# Runs after a successful (not dry) deploy with the staged site; returns lines to print.
AfterDeploy = Callable[[Path], list[str]]


def read_publish_settings(
    settings_file: str | Path = DEFAULT_SETTINGS, overrides: dict | None = None
) -> dict:
    from pelican.settings import read_settings

    return read_settings(str(settings_file), override=dict(overrides or {}))


def publish(
    target: str | None = None,
    *,
    settings_file: str | Path = DEFAULT_SETTINGS,
    overrides: dict | None = None,
    dry_run: bool = False,
    if_changed: bool = False,
    after_deploy: AfterDeploy | None = None,
    err: TextIO | None = None,
) -> Summary:
    """Build, check and deploy; raise PublishError (with nothing deployed) on any problem.

    One publish at a time (a second one refuses at once). ``if_changed``: when the
    built site is byte-identical to what this machine last published to the same
    destination, nothing is uploaded and ``after_deploy`` (the subscribers' mail) is
    not run either.
    """
    err = err or sys.stderr
    started = time.perf_counter()
    settings = read_publish_settings(settings_file, overrides)
    state = state_path(settings)
    with publish_lock(state):
        target = target or settings.get("PUBLISH_TARGET") or ""
        deploy = _deployer(target, settings, Path(settings_file).resolve().parent)
        destination = destination_of(target, settings)
        with staged_build(settings_file, overrides, err) as site_dir:
            problems = check_site(site_dir, settings, forbidden_origins=development_origins())
            for problem in problems:
                print(f"error: {problem}", file=err)
            if problems:
                raise PublishError(
                    f"pre-flight checks found {len(problems)} problem(s); nothing was published"
                )
            digest = tree_digest(site_dir)
            if if_changed and digest == last_published(state, target, destination):
                summary = Summary(destination=destination, dry_run=dry_run, unchanged_site=True)
                summary.unchanged = len(list(site_dir.rglob("*")))
            else:
                summary = deploy(site_dir, dry_run, err)
                if not dry_run:
                    remember_published(state, target, destination, digest)
                    if after_deploy is not None:
                        summary.notes.extend(after_deploy(site_dir))
    summary.seconds = time.perf_counter() - started
    return summary


def destination_of(target: str, settings: dict) -> str:
    """Where ``target`` ships to, as one string (the key of what was published last)."""
    if target == "s3":
        return f"s3://{settings.get('S3_BUCKET') or ''}/{settings.get('S3_PREFIX') or ''}"
    if target == "gh-pages":
        remote = settings.get("GITHUB_PAGES_REMOTE", "origin") or "(local)"
        return f"{remote} {settings.get('GITHUB_PAGES_BRANCH') or 'gh-pages'}"
    return str(settings.get("PUBLISH_DEST") or "")


def rollback(
    *,
    settings_file: str | Path = DEFAULT_SETTINGS,
    overrides: dict | None = None,
    dry_run: bool = False,
) -> str:
    """Point the live rsync site at the previous release; return what happened."""
    from .rsync import rollback_release

    settings = read_publish_settings(settings_file, overrides)
    target = settings.get("PUBLISH_TARGET") or ""
    if target != "rsync":
        raise PublishError(
            f"rollback needs PUBLISH_TARGET=rsync, which keeps releases (got {target!r}); "
            "for s3 or gh-pages, publish the earlier content again"
        )
    destination = settings.get("PUBLISH_DEST") or ""
    previous, live = rollback_release(destination, dry_run=dry_run)
    verb = "would point" if dry_run else "now points"
    return f"{destination}/current {verb} at releases/{previous} (was releases/{live})."


def _deployer(target: str, settings: dict, project: Path) -> Deploy:
    """The deploy step for ``target``, after checking its settings before any build."""
    if target == "rsync":
        from .rsync import open_destination, publish_with_rsync

        destination = settings.get("PUBLISH_DEST") or ""
        open_destination(destination)  # fails early on an empty PUBLISH_DEST
        return lambda site, dry_run, err: publish_with_rsync(
            site, destination, dry_run=dry_run, err=err
        )
    if target == "s3":
        from .s3 import publish_to_s3

        if not settings.get("S3_BUCKET"):
            raise PublishError("S3_BUCKET is not set")
        return lambda site, dry_run, err: publish_to_s3(
            site,
            settings["S3_BUCKET"],
            prefix=settings.get("S3_PREFIX") or "",
            endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
            region=settings.get("S3_REGION") or None,
            distribution_id=settings.get("CLOUDFRONT_DISTRIBUTION_ID") or None,
            dry_run=dry_run,
            err=err,
        )
    if target == "gh-pages":
        from .ghpages import publish_to_github_pages

        return lambda site, dry_run, err: publish_to_github_pages(
            site,
            repo=project,
            branch=settings.get("GITHUB_PAGES_BRANCH") or "gh-pages",
            cname=settings.get("GITHUB_PAGES_CNAME") or "",
            remote=settings.get("GITHUB_PAGES_REMOTE", "origin") or "",
            message=f"Publish {settings.get('SITEURL') or 'site'}",
            dry_run=dry_run,
        )
    raise PublishError(f"PUBLISH_TARGET must be one of {', '.join(TARGETS)} (got {target!r})")
