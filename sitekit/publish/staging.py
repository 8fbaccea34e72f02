"""Build the production site into a fresh staging directory, never over live output."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sitekit.build import build_site, print_report


class PublishError(Exception):
    """A reason not to publish (or a failed deploy), told in one line."""


@contextmanager
def staged_build(
    settings_file: str | Path,
    overrides: dict | None = None,
    err: TextIO | None = None,
) -> Iterator[Path]:
    """Yield a fresh directory holding the site built with fatal warnings; remove it after.

    The build starts from nothing: its own output and cache directories, no content
    cache, so what ships never depends on an earlier build.
    """
    err = err or sys.stderr
    stage = Path(tempfile.mkdtemp(prefix="sitekit-stage-"))
    try:
        settings = dict(overrides or {})
        settings["OUTPUT_PATH"] = str(stage / "site")
        settings["CACHE_PATH"] = str(stage / "cache")
        settings["LOAD_CONTENT_CACHE"] = False
        report = build_site(settings_file, settings)
        print_report(report, stream=err)
        if report.failed(fatal_warnings=True):
            count = len(report.problems) + len(report.errors) + len(report.warnings)
            raise PublishError(f"build failed: {count} problem(s); nothing was published")
        yield stage / "site"
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def staged_files(site_dir: str | Path) -> dict[str, Path]:
    """Every file of a built site by its path relative to the site root, sorted."""
    root = Path(site_dir)
    files = {path.relative_to(root).as_posix(): path for path in root.rglob("*") if path.is_file()}
    return dict(sorted(files.items()))
