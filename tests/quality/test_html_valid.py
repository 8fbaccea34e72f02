"""Gate 1: every HTML page of the demo site passes the Nu Html Checker with 0 errors."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import unquote, urlsplit

import pytest

from tests.quality.conftest import java, node_tool
from tests.quality.pages import html_files


def run_vnu(files: list) -> list[dict]:
    """One checker run over every file (the JVM starts once); returns its error messages."""
    jar = node_tool("vnu-jar/build/dist/vnu.jar")
    result = subprocess.run(
        [java(), "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its JSON report to stderr; exit status 1 just means "errors found".
    report = result.stderr.strip() or result.stdout.strip()
    try:
        messages = json.loads(report)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {result.returncode}): {report[:2000]}")
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


def describe(message: dict, roots: list) -> str:
    path = unquote(urlsplit(message.get("url", "")).path)
    for root in roots:
        prefix = str(root) + "/"
        if path.startswith(prefix):
            path = f"{root.parent.name}/{path[len(prefix) :]}"
    where = f"{path}:{message.get('lastLine', '?')}"
    extract = " ".join((message.get("extract") or "").split())[:120]
    return f"{where}: {message.get('message')} [{extract}]"


# Checked in the same run as the site: proves the checker really reports errors.
CANARY = "<!doctype html><html lang=en><title>x</title><p><div>block in p</p></span>"


@pytest.mark.slow
def test_every_page_of_both_builds_is_valid_html(demo_site, published_site, tmp_path):
    roots = [demo_site.output, published_site.output]
    files = [file for root in roots for file in html_files(root)]
    assert len(files) > 20, "the demo build should have more pages than this"
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    errors = run_vnu([canary, *files])
    site_errors = [m for m in errors if not m.get("url", "").endswith("/canary.html")]
    assert len(site_errors) < len(errors), "vnu found no error in a broken page"
    assert not site_errors, f"{len(site_errors)} HTML error(s):\n" + "\n".join(
        describe(m, roots) for m in site_errors
    )
