"""Pre-flight checks: small hand-written sites for each rule, then the real demo site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sitekit.checks import CHECKS, check_site, development_origins
from tests.sitebuild import ROOT

SETTINGS = {"SITEURL": "https://example.test", "SITE_ORIGIN": "https://example.test"}
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<link href="https://example.test/" rel="alternate"/><id>tag:example.test,2024:feed</id>
<updated>2024-01-01T00:00:00Z</updated>
<entry><title>P</title><link href="https://example.test/post/" rel="alternate"/>
<id>tag:example.test,2024:p</id><updated>2024-01-01T00:00:00Z</updated></entry>
</feed>
"""


def page(path: str, body: str = "", head: str = "", lang: str | None = "en", title="T") -> str:
    """A small HTML page with everything the head check wants, unless told otherwise."""
    lang_attribute = f' lang="{lang}"' if lang is not None else ""
    return (
        f"<!doctype html><html{lang_attribute}><head><meta charset='utf-8'>"
        f'<title>{title}</title><link rel="canonical" href="https://example.test/{path}">'
        f"{head}</head><body><main id='main'>{body}</main></body></html>"
    )


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return root


def base_files() -> dict[str, str | bytes]:
    return {
        "index.html": page(
            "",
            '<a href="post/">post</a> <a href="/post/#intro">intro</a>'
            '<img src="images/a.png" srcset="images/a.png 1x, /images/b.png 2x" alt="">'
            '<a href="https://example.test/post/">absolute</a>'
            '<link rel="stylesheet" href="/theme/site.css?v=123">'
            '<a href="mailto:me@example.test">mail</a> <a href="tel:+441">call</a>'
            '<a href="https://elsewhere.example/missing/">elsewhere</a>'
            '<a href="#top">top</a> <a href="#main">main</a> <a href="about">about</a>',
        ),
        "post/index.html": page("post/", '<h2 id="intro">Intro</h2><a href="../">home</a>'),
        "about/index.html": page("about/", "About"),
        "images/a.png": b"\x89PNG",
        "images/b.png": b"\x89PNG",
        "theme/site.css": "body { background: url('../images/a.png'); }",
        "feeds/all.atom.xml": ATOM,
    }


def problems_of(root: Path, **kwargs) -> list[str]:
    return [str(problem) for problem in check_site(root, SETTINGS, **kwargs)]


@pytest.fixture
def site(tmp_path) -> Path:
    return write_site(tmp_path / "site", base_files())


def test_a_sound_site_has_no_problems(site):
    assert problems_of(site) == []


def test_broken_links_are_reported_once_per_page_with_the_href(site):
    write_site(
        site,
        {
            "post/index.html": page(
                "post/",
                '<h2 id="intro">x</h2><a href="../missing/">a</a><a href="../missing/">again</a>'
                '<img src="/images/none.png" alt="">'
                '<img srcset="/images/a.png 1x, /images/gone.png 2x" alt="">'
                '<a href="https://example.test/nowhere/">abs</a>'
                '<a href="/#nope">anchor</a>',
            )
        },
    )
    problems = problems_of(site)
    assert problems == [
        'post/index.html: broken link (no missing/ in the site): href="../missing/"',
        'post/index.html: broken link (no images/none.png in the site): src="/images/none.png"',
        'post/index.html: broken link (no images/gone.png in the site): srcset="/images/gone.png"',
        "post/index.html: broken link (no nowhere/ in the site): "
        'href="https://example.test/nowhere/"',
        'post/index.html: missing anchor (no id="nope" on index.html): href="/#nope"',
    ]


def test_css_urls_must_resolve(site):
    write_site(site, {"theme/site.css": "a { background: url(../images/nothing.svg) }"})
    assert problems_of(site) == [
        "theme/site.css: broken link (no images/nothing.svg in the site): "
        'url("../images/nothing.svg")'
    ]


def test_a_site_under_a_path_prefix_resolves_links_below_it(tmp_path):
    root = write_site(
        tmp_path / "site",
        {
            "index.html": page("", '<a href="/blog/post/">p</a><a href="/other/">o</a>'),
            "post/index.html": page("post/", ""),
        },
    )
    settings = {"SITEURL": "https://example.test/blog"}
    found = [str(p) for p in check_site(root, settings, checks=["links"])]
    assert found == []  # /other/ is outside the site, like another site on the host
    root.joinpath("index.html").write_text(page("", '<a href="/blog/gone/">g</a>'))
    assert [str(p) for p in check_site(root, settings, checks=["links"])] == [
        'index.html: broken link (no gone/ in the site): href="/blog/gone/"'
    ]


def test_local_and_development_urls_are_reported_wherever_they_hide(site):
    jsonld = json.dumps({"@type": "Person", "url": "http://localhost:8000/about/"})
    write_site(
        site,
        {
            "about/index.html": page(
                "about/",
                '<a href="http://127.0.0.1:8000/post/">dev</a>'
                '<div data-isso="http://127.0.0.1:8080/"></div>'
                '<a href="http://dev.example.test:8000/post/">dev origin</a>'
                "<p>Run it on http://localhost:8000 while you write.</p>",
                head='<meta property="og:url" content="http://[::1]:8000/about/">'
                f'<script type="application/ld+json">{jsonld}</script>',
            ),
            "robots.txt": "Sitemap: http://localhost:8000/sitemap.xml\n",
        },
    )
    problems = problems_of(site, forbidden_origins=["http://dev.example.test:8000"])
    assert problems == [
        'about/index.html: points to a local address: content="http://[::1]:8000/about/"',
        'about/index.html: points to a local address: href="http://127.0.0.1:8000/post/"',
        'about/index.html: points to a local address: data-isso="http://127.0.0.1:8080/"',
        'about/index.html: points to a local address: href="http://dev.example.test:8000/post/"',
        "about/index.html: points to a local address in a script: http://localhost:8000/about/",
        "robots.txt: points to a local address: http://localhost:8000/sitemap.xml",
    ]


def test_local_urls_in_feeds_are_reported(site):
    write_site(
        site,
        {
            "feeds/all.atom.xml": ATOM.replace(
                "https://example.test/post/", "http://localhost/post/"
            )
        },
    )
    assert problems_of(site, checks=["local-urls"]) == [
        "feeds/all.atom.xml: points to a local address: http://localhost/post/"
    ]


def test_feeds_must_parse_cleanly(site):
    write_site(site, {"feeds/tag/broken.atom.xml": ATOM.replace("</feed>", "<entry>")})
    [problem] = problems_of(site)
    assert problem.startswith("feeds/tag/broken.atom.xml: feed does not parse cleanly: ")


JOB = json.dumps({"@context": "https://schema.org", "@type": "JobPosting", "title": "Role"})
ROLE = "openings/role/index.html"
LD = f'<script type="application/ld+json">{JOB}</script>'


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (LD, "", []),
        (
            "",
            "",
            [f"{ROLE}: open role needs exactly one JobPosting JSON-LD block, found 0"],
        ),
        (
            LD + LD,
            "",
            [f"{ROLE}: open role needs exactly one JobPosting JSON-LD block, found 2"],
        ),
        ('<meta name="robots" content="noindex">', "", []),
        ("", '<article data-opening-status="paused"></article>', []),
        ("", "<p data-openings-count>3 open roles</p><div data-openings-list></div>", []),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "JobPosting"}]}</script>',
            "",
            [],
        ),
    ],
    ids=["one", "none", "two", "noindex", "paused", "listing", "graph"],
)
def test_open_roles_carry_exactly_one_job_posting(site, head, body, expected):
    write_site(site, {"openings/role/index.html": page("openings/role/", body, head=head)})
    assert problems_of(site, checks=["job-postings"]) == expected


def test_job_postings_are_only_required_on_opening_pages(site):
    write_site(site, {"openings/category/data/index.html": page("openings/category/data/")})
    assert problems_of(site, checks=["job-postings"]) == []


def test_every_page_needs_lang_title_canonical_and_valid_json_ld(site):
    write_site(
        site,
        {
            "about/index.html": page("about/", "", lang=None, title=" ").replace(
                '<link rel="canonical" href="https://example.test/about/">', ""
            ),
            "post/index.html": page(
                "post/",
                '<h2 id="intro">x</h2>',
                head='<link rel="canonical" href="https://example.test/x/">'
                '<script type="application/ld+json">{"@type": </script>',
            ),
        },
    )
    problems = problems_of(site, checks=["head"])
    assert problems[:3] == [
        "about/index.html: missing lang attribute on <html>",
        "about/index.html: missing or empty <title>",
        'about/index.html: missing <link rel="canonical" href="...">',
    ]
    assert problems[3] == "post/index.html: 2 canonical links, expected one"
    assert problems[4].startswith("post/index.html: JSON-LD block does not parse: ")
    assert len(problems) == 5


def test_checks_can_be_selected_and_unknown_names_are_refused(site):
    write_site(site, {"about/index.html": "<html><body><a href='/gone/'>x</a></body></html>"})
    assert len(problems_of(site, checks=["head"])) == 3
    assert len(problems_of(site, checks=["links"])) == 1
    with pytest.raises(ValueError, match="unknown checks: spelling"):
        check_site(site, SETTINGS, checks=["spelling"])


def test_the_demo_site_passes_every_check(published_site):
    from pelican.settings import read_settings

    settings = read_settings(str(ROOT / "publishconf.py"))
    problems = check_site(
        published_site.output, settings, checks=CHECKS, forbidden_origins=development_origins()
    )
    assert [str(p) for p in problems] == []


def test_invoke_check_prints_one_line_per_problem_and_fails(site):
    write_site(site, {"about/index.html": page("about/", '<a href="/gone/">x</a>')})
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "check", "--site", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'error: about/index.html: broken link (no gone/ in the site): href="/gone/"',
        "Checks failed: 1 problem(s) in 3 page(s).",
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_srcset_candidates_are_split_like_browsers_do(site):
    write_site(
        site,
        {
            "about/index.html": page(
                "about/",
                '<img alt="" srcset="/images/a.png 1x,/images/b.png 2x">'
                '<picture><source srcset="/images/a.png 640w, /images/x,y.png 1280w"></picture>',
            )
        },
    )
    assert problems_of(site, checks=["links"]) == [
        'about/index.html: broken link (no images/x,y.png in the site): srcset="/images/x,y.png"'
    ]
