"""A bug is not a content problem: it says so, and one switch shows its traceback."""

from __future__ import annotations

import subprocess
import sys

from tests.sitebuild import FIXTURES, ROOT

BOOM = """from pelican import signals


def explode(generators):
    raise RuntimeError("a plugin broke")


def register():
    signals.all_generators_finalized.connect(explode)
"""


def _run(tmp_path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "boom.py").write_text(BOOM)
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n"
        f"PATH = {str(FIXTURES / 'minimal')!r}\nOUTPUT_PATH = {str(tmp_path / 'out')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\nTHEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT)!r}, {str(tmp_path)!r}]\nPLUGINS = [*PLUGINS, 'boom']\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "sitekit.build", "--settings", str(settings), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip


def test_an_unexpected_error_says_it_is_a_bug_in_two_lines(tmp_path):
    result = _run(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-2] == "error: build failed: RuntimeError: a plugin broke"
    assert lines[-1].startswith("error: this is a bug, not a problem in your files")
    assert "--traceback" in lines[-1]
    assert "Traceback" not in result.stderr


def test_traceback_switch_and_variable_show_where_it_happened(tmp_path):
    for extra, env in (("--traceback",), {}), ((), {"SITEKIT_TRACEBACK": "1"}):
        result = _run(tmp_path, *extra, **env)
        assert result.returncode == 2
        assert "Traceback (most recent call last)" in result.stderr
        assert "boom.py" in result.stderr and "a plugin broke" in result.stderr
