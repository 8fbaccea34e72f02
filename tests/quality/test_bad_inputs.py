"""Gate 5a: broken inputs give one line naming file and field, and a non-zero exit.

Every case of ``bad_inputs/cases.toml`` is built on its own (in process) next to a
small valid site; then all broken cases together go through the command line,
which must exit 1 with one ``error: path: field: message`` line each and no traceback.
Legitimate but hostile inputs (HTML in metadata) must build and render escaped.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pelican.settings import read_settings

from tests.sitebuild import FIXTURES, ROOT, build, require, run_build_cli

BAD = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]
TODAY = "2026-11-30"
FIVE_MB = 5 * 1024 * 1024
PLUGIN_OF_KIND = {"openings": "plugins.openings", "comments": "plugins.comments"}
PROBLEM_LINE = re.compile(r"^error: content/\S.*?: [a-z_]+: \S")


def case_id(case: dict) -> str:
    return case["id"]


def source_bytes(case: dict) -> bytes:
    data = (BAD / case["file"]).read_bytes()
    if case.get("generate") == "5mb":
        # a valid header, then a body far beyond any size limit: made here, never committed
        header, _, body = data.partition(b"\n\n")
        filler = (body.strip() or b"text") + b" "
        data = header + b"\n\n" + filler * (FIVE_MB // len(filler) + 1)
    return data


def require_plugin_for(case: dict) -> None:
    kind = case["to"].split("/", 1)[0]
    plugin = PLUGIN_OF_KIND.get(kind)
    if plugin:
        plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
        require(plugin in plugins, f"the {plugin} plugin is not enabled in pelicanconf.py")


def base_tree(tmp_path: Path) -> Path:
    """tests/fixtures/minimal plus one valid opening and one valid comment."""
    content = tmp_path / "src" / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    shutil.copytree(BAD / "base", content, dirs_exist_ok=True)
    return content


def install(content: Path, relative: str, data: bytes) -> None:
    target = content / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def assert_reported(lines: list[str], case: dict, path: str) -> None:
    field, says = case["field"], case["says"]
    matching = [line for line in lines if f": {field}: " in line and says in line]
    assert any(path in line for line in matching), (
        f"no '{path}: {field}: …{says}…' line among:\n" + "\n".join(lines)
    )


def assert_rendered_escaped(html: str) -> BeautifulSoup:
    page = BeautifulSoup(html, "html.parser")
    for script in page.find_all("script"):
        kind = (script.get("type") or "").lower()
        assert script.get("src") or kind == "application/ld+json", f"inline script: {script}"
        if kind == "application/ld+json":
            json.loads(script.string)
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), f"event handler attribute: {element}"
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name in ("href", "src", "action"):
                assert not text.strip().lower().startswith("javascript:"), element
    assert not page.find(["iframe", "object", "embed", "style"]), "active element rendered"
    return page


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input_alone(tmp_path, case):
    require_plugin_for(case)
    content = base_tree(tmp_path)
    install(content, case["to"], source_bytes(case))
    site = build(tmp_path, content, OPENINGS_TODAY=TODAY)
    everything = site.report.problems + site.report.errors + site.report.warnings
    assert not any("Traceback" in line for line in everything), everything
    assert all("\n" not in line for line in everything)
    if "renders" in case:
        assert site.report.ok, site.report.problems + site.report.errors
        page = assert_rendered_escaped(site.page(case["renders"]))
        check_escaped_text(case, page)
        return
    assert not site.report.ok, f"{case['id']}: the build accepted it"
    assert_reported(site.report.problems, case, "content/" + case.get("path", case["to"]))
    assert not (site.output / "index.html").exists(), "nothing is written for a broken site"


def check_escaped_text(case: dict, page: BeautifulSoup) -> None:
    """The hostile text is still there, as text: escaped, not dropped or executed."""
    source = (BAD / case["file"]).read_text(encoding="utf-8")
    fields = dict(
        line.split(":", 1) for line in source.split("\n\n", 1)[0].splitlines() if ":" in line
    )
    if case["to"].startswith("comments/"):
        assert page.find(id="comment-hostile") is not None, "the hostile comment is missing"
        return
    title = fields["Title"].strip()
    assert page.h1.get_text() == title
    assert page.title.get_text().startswith(title)
    assert page.find("meta", property="og:title")["content"].startswith(title)
    for block in page.find_all("script", type="application/ld+json"):
        data = json.loads(block.string)
        if data.get("@type") == "JobPosting":
            assert data["title"] == title


def combined_name(case: dict) -> str:
    """Where a case goes when all of them share one tree (one file per source)."""
    suffix = "-5mb" if case.get("generate") else ""
    return f"{Path(case['to']).parent.as_posix()}/{Path(case['file']).stem}{suffix}.md"


@pytest.mark.slow
def test_all_broken_inputs_at_once_through_the_command_line(tmp_path):
    broken = [case for case in CASES if "renders" not in case]
    for case in broken:
        require_plugin_for(case)
    content = base_tree(tmp_path)
    for case in broken:
        install(content, combined_name(case), source_bytes(case))
    result = run_build_cli(tmp_path, content, OPENINGS_TODAY=TODAY)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    odd = [line for line in errors if not PROBLEM_LINE.match(line)]
    assert not odd, "error lines not in 'path: field: message' form:\n" + "\n".join(odd)
    assert lines[-1].startswith("Build failed: ")
    for case in broken:
        path = case.get("path") or combined_name(case)
        assert_reported(errors, case, f"content/{path}")
    assert not (tmp_path / "out" / "index.html").exists()
