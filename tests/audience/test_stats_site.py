"""Reading stats, the site's side: the counting script on every page, the opt-out page,
the apply buttons, and a "Views: N" snapshot that never holds up or breaks a build."""

from __future__ import annotations

import time

from bs4 import BeautifulSoup
from pelican.settings import read_settings

from tests.quality.pages import html_files
from tests.sitebuild import FIXTURES, ROOT, build, free_port

SCRIPT = ROOT / "theme" / "static" / "js" / "stats.js"


def counting(html: str) -> tuple[dict | None, str | None]:
    """The counting script's attributes and the <noscript> image's address of a page."""
    page = BeautifulSoup(html, "html.parser")
    script = page.find("script", src=lambda src: bool(src) and src.endswith("/js/stats.js"))
    image = page.select_one("noscript img.stats-pixel")
    return (dict(script.attrs) if script else None), (image["src"] if image else None)


def test_the_script_is_small_and_has_no_cookie_or_storage_of_readers():
    source = SCRIPT.read_text(encoding="utf-8")
    assert len(SCRIPT.read_bytes()) < 1024
    assert "cookie" not in source.split("\n", 1)[1]  # the first line says it sets none
    assert "sendBeacon" in source and "doNotTrack" in source and "globalPrivacyControl" in source
    assert "prerendering" in source
    assert "preventDefault" not in source  # a click is never held up


def test_every_page_counts_itself_under_its_own_address(demo_site):
    pages = html_files(demo_site.output)
    assert len(pages) > 20
    for path in pages:
        relative = path.relative_to(demo_site.output).as_posix()
        attributes, image = counting(path.read_text(encoding="utf-8"))
        assert attributes is not None, relative
        assert "defer" in attributes, relative
        assert attributes["data-to"] == "http://127.0.0.1:8090", relative
        if relative in ("404.html", "stats/opt-out/index.html"):
            assert "data-path" not in attributes and image is None, relative
            continue
        expected = "/" + relative.removesuffix("index.html")
        assert attributes["data-path"] == expected, relative
        assert image == f"http://127.0.0.1:8090/count.gif?p={expected}", relative


def test_apply_buttons_are_marked_for_counting(demo_site):
    page = BeautifulSoup(
        demo_site.page("openings/senior-platform-engineer/index.html"), "html.parser"
    )
    buttons = page.select("a[data-apply]")
    assert len(buttons) == 2
    assert all(b["href"].startswith("https://careers.harrowgate-freight.example/") for b in buttons)


def test_the_opt_out_page(demo_site):
    page = BeautifulSoup(demo_site.page("stats/opt-out/index.html"), "html.parser")
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert page.select_one("#stats-state") is not None
    assert {a["href"] for a in page.select("a.button")} >= {"?stats=off", "?stats=on"}
    assert "stats/opt-out" not in demo_site.page("sitemap.xml")


def test_no_audience_server_means_no_script(tmp_path):
    for name, settings in {
        "no-url": {"AUDIENCE_URL": ""},
        "off": {"STATS_COUNTING": False},
    }.items():
        site = build(tmp_path / name, FIXTURES / "minimal", **settings)
        assert site.report.ok, site.report.problems
        assert counting(site.page("posts/a-first-post/index.html")) == (None, None)
        assert not (site.output / "stats" / "opt-out").exists()


def test_views_snapshot_is_on_for_publishing_only():
    assert read_settings(str(ROOT / "pelicanconf.py"))["VIEWS_SNAPSHOT"] is False
    assert read_settings(str(ROOT / "publishconf.py"))["VIEWS_SNAPSHOT"] is True


def test_a_server_that_is_down_costs_one_info_line_and_no_count(tmp_path):
    started = time.monotonic()
    site = build(
        tmp_path,
        FIXTURES / "minimal",
        AUDIENCE_URL=f"http://127.0.0.1:{free_port()}",
        VIEWS_SNAPSHOT=True,
        VIEWS_SNAPSHOT_TIMEOUT=2,
    )
    assert site.report.ok and not site.report.warnings, site.report
    lines = [line for line in site.report.infos if "view counts" in line]
    assert len(lines) == 1 and "cannot reach" in lines[0], site.report.infos
    assert "Views:" not in site.page("posts/a-first-post/index.html")
    assert time.monotonic() - started < 60
