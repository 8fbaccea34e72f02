"""Test helpers: build a real site (real settings plus overrides) into tmp dirs, free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitekit.build import BuildReport, build_site

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class BuiltSite:
    report: BuildReport
    output: Path
    content: Path

    def page(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")


def build(
    tmp_path: Path,
    content: Path | None = None,
    settings: str = "pelicanconf.py",
    expect_fallbacks: bool = False,
    **overrides,
) -> BuiltSite:
    """Build ``content`` (default: the demo content) with the real settings file.

    ``content`` may be a fixture tree; it is copied so tests can edit it freely. Unless
    ``expect_fallbacks``, the build must not have left any part to plain Pelican.
    """
    source = content or ROOT / "content"
    work = tmp_path / "site" / "content"
    shutil.copytree(source, work)
    output = tmp_path / "output"
    settings_overrides = {
        "PATH": str(work),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(tmp_path / "cache"),
        "LOAD_CONTENT_CACHE": False,
        "COMMENTS_SNAPSHOT": False,
        "VIEWS_SNAPSHOT": False,
    }
    settings_overrides.update(overrides)
    report = build_site(ROOT / settings, settings_overrides)
    if not expect_fallbacks:
        assert_no_fallbacks()
    return BuiltSite(report=report, output=output, content=work)


def assert_no_fallbacks() -> None:
    """The last build took every fast path fastbuild has (none left to plain Pelican)."""
    from plugins.fastbuild import fallbacks

    found = [kind.line() for kind in fallbacks.noted()]
    assert found == [], found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(condition: bool, why: str) -> None:
    """Skip locally when a real component is missing; in CI a missing component fails."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"missing in CI: {why}")
    pytest.skip(why)


def run_build_cli(tmp_path: Path, content: Path, **settings) -> subprocess.CompletedProcess:
    """Run ``python -m sitekit.build`` as the author would, on ``content``, in a subprocess.

    The settings file imports the real pelicanconf and points it at ``content``;
    ``settings`` adds or overrides values (written with repr).
    """
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from pelicanconf import *",
        f"PATH = {str(content)!r}",
        f"OUTPUT_PATH = {str(tmp_path / 'out')!r}",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT)!r}]",
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}",
        "COMMENTS_SNAPSHOT = False",
        "VIEWS_SNAPSHOT = False",
    ] + [f"{name} = {value!r}" for name, value in settings.items()]
    settings_file = tmp_path / "settings.py"
    settings_file.write_text("\n".join(lines) + "\n")
    return subprocess.run(
        [sys.executable, "-m", "sitekit.build", "--settings", str(settings_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
