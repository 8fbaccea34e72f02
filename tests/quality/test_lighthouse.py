"""Gate 3: Lighthouse on four pages of the production build, served on loopback.

Performance ≥ 98, accessibility 100, best practices ≥ 95, SEO 100. The site is built
with publishconf.py but with its origin set to the loopback server, so canonical links,
feeds and robots.txt point where Lighthouse finds them. Reports (HTML and JSON) go to
``output-reports/`` for CI to keep. Runs go one at a time: on a two-core machine two
parallel runs steal CPU from each other and Lighthouse reads that as blocking time.
Performance is the one noisy score, so a page below the bar is measured again (at most
twice more) and its best run counts; the other categories are deterministic.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.browser import CHROMIUM
from tests.quality.conftest import node_tool
from tests.quality.pages import page_path, url_path
from tests.serving import serve
from tests.sitebuild import ROOT, build, free_port, require

REPORTS = ROOT / "output-reports"
PAGES = {
    "home": "home",
    "post": "post with comments",
    "openings": "openings listing",
    "opening": "open role",
}
MINIMUM = {"performance": 0.98, "accessibility": 1.0, "best-practices": 0.95, "seo": 1.0}
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
)
RUN_TIMEOUT = 150
PERFORMANCE_RETRIES = 2

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def loopback_site(tmp_path_factory):
    """The production build with its origin set to the loopback server that serves it."""
    from sitekit.audience.server import running_audience

    port, audience_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("lighthouse")
    site = build(
        folder,
        settings="publishconf.py",
        SITEURL=origin,
        SITE_ORIGIN=origin,
        FEED_DOMAIN=origin,
        COMMENTS_URL="",  # the live widget is exercised in test_security's browser test
        AUDIENCE_URL=f"http://127.0.0.1:{audience_port}",  # pages count views there
    )
    assert site.report.ok, site.report.problems + site.report.errors
    env = {"AUDIENCE_DB": str(folder / "audience.db"), "PATH": "/usr/bin:/bin"}
    with (
        running_audience(host="127.0.0.1", port=audience_port, env=env, workers=1),
        serve(site.output, port=port) as base,
    ):
        yield site, base


def run_lighthouse(url: str, name: str) -> dict:
    """One Lighthouse run; returns the parsed JSON report (also kept in output-reports/)."""
    cli = node_tool("lighthouse/cli/index.js")
    require(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}")
    out = REPORTS / f"lighthouse-{name}"
    command = [
        "node",
        str(cli),
        url,
        "--quiet",
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices,seo",
        "--disable-full-page-screenshot",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
    report = Path(f"{out}.report.json")
    if result.returncode != 0 or not report.exists():
        pytest.fail(
            f"lighthouse failed on {url} (exit {result.returncode}):\n{result.stderr[-3000:]}"
        )
    data = json.loads(report.read_text(encoding="utf-8"))
    data["_report_file"] = f"{out.name}.report.html"
    return data


def scores(report: dict) -> dict[str, float]:
    return {key: category["score"] for key, category in report["categories"].items()}


def failing_audits(report: dict, category: str) -> list[str]:
    refs = report["categories"][category]["auditRefs"]
    lines = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
            lines.append(f"    {audit['id']} ({audit['score']}): {audit['title']}")
    return lines


def measure(url: str, name: str) -> dict:
    """The best of up to 1 + PERFORMANCE_RETRIES runs, judged by performance only."""
    best = run_lighthouse(url, name)
    for attempt in range(2, PERFORMANCE_RETRIES + 2):
        if (scores(best).get("performance") or 0) >= MINIMUM["performance"]:
            break
        again = run_lighthouse(url, f"{name}-run{attempt}")
        if (scores(again).get("performance") or 0) > (scores(best).get("performance") or 0):
            best = again
    return best


@pytest.fixture(scope="module")
def reports(loopback_site, request) -> dict[str, dict]:
    site, base = loopback_site
    REPORTS.mkdir(exist_ok=True)
    for stale in REPORTS.glob("lighthouse-*"):
        stale.unlink()  # reports of an earlier session would read as this one's
    urls = {name: base + url_path(page_path(site.output, role)) for name, role in PAGES.items()}
    results = {name: measure(url, name) for name, url in urls.items()}
    summary = {
        name: {"url": urls[name], "report": r["_report_file"], **scores(r)}
        for name, r in results.items()
    }
    (REPORTS / "lighthouse-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print()
        for name in summary:
            line = ", ".join(f"{k} {v:.2f}" for k, v in scores(results[name]).items())
            print(f"lighthouse {name} ({summary[name]['report']}): {line}")
    return results


@pytest.mark.parametrize("name", sorted(PAGES))
def test_lighthouse_scores(reports, loopback_site, name):
    _site, base = loopback_site
    report = reports.get(name)
    assert report is not None, f"no Lighthouse report for {name}"
    assert not report.get("runtimeError"), report.get("runtimeError")
    got = scores(report)
    low = []
    for category, minimum in MINIMUM.items():
        if got.get(category) is None or got[category] < minimum:
            low.append(f"  {category}: {got.get(category)} < {minimum}")
            low.extend(failing_audits(report, category))
    assert not low, f"{report['finalDisplayedUrl']}:\n" + "\n".join(low)
    # the site's own audience server, where the pages count their views (data-to)
    audience_origin = re.search(r'data-to="([^"]+)"', _site.page("index.html")).group(1)
    requested = [
        item["url"]
        for item in report["audits"]["network-requests"]["details"]["items"]
        if not item["url"].startswith((base + "/", "data:", audience_origin + "/count"))
    ]
    assert not requested, f"{name} requested other origins: {requested}"
