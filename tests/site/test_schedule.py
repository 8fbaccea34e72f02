"""A static site on a schedule: posts go live on their day, roles close after their last day.

Each test builds the same content with a pinned "today" (BUILD_TODAY) on both sides of
the date, the way the daily timer's builds see it.
"""

from __future__ import annotations

import json
import re
import shutil

from tests.sitebuild import ROOT, build

FUTURE_POST = """Title: Notes from the December hiring freeze
Slug: december-freeze
Date: 2026-12-07 09:00
Category: Hiring
Tags: candidates
Summary: What a freeze means for people in the middle of a process.

Freezes rarely stop every role at once.
"""

DRAFT_POST = """Title: Half-written thoughts on salary bands
Date: 2026-11-01
Status: draft
Summary: Not ready.

Not ready yet.
"""


def _everywhere(site) -> str:
    """Every text file of the built site, for a 'mentioned anywhere' check."""
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in site.output.rglob("*")
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".txt"}
    )


def _site_with(tmp_path, today: str):
    content = tmp_path / f"src-{today}"
    shutil.copytree(ROOT / "content", content)
    (content / "posts" / "december-freeze.md").write_text(FUTURE_POST, encoding="utf-8")
    (content / "posts" / "salary-bands.md").write_text(DRAFT_POST, encoding="utf-8")
    return build(tmp_path / today, content, BUILD_TODAY=today)


def test_future_post_is_left_out_until_its_day(tmp_path):
    before = _site_with(tmp_path, "2026-12-06")
    assert before.report.ok, before.report.problems + before.report.errors
    assert not (before.output / "posts" / "december-freeze").exists()
    assert not (before.output / "drafts" / "december-freeze").exists()
    assert "december-freeze" not in _everywhere(before)  # feeds, sitemap, tags, index
    assert any(
        line.startswith("scheduled: ")
        and "posts/december-freeze.md goes live 2026-12-07 09:00" in line
        for line in before.report.infos
    ), before.report.infos

    on_the_day = _site_with(tmp_path, "2026-12-07")
    assert on_the_day.report.ok
    page = on_the_day.page("posts/december-freeze/index.html")
    assert "Notes from the December hiring freeze" in page
    assert "posts/december-freeze/" in on_the_day.page("feeds/all.atom.xml")
    assert "posts/december-freeze/" in on_the_day.page("sitemap.xml")
    assert not any(line.startswith("scheduled: ") for line in on_the_day.report.infos)


def test_drafts_stay_drafts_whatever_the_day(tmp_path):
    site = _site_with(tmp_path, "2027-06-01")
    assert (
        site.output / "drafts" / "half-written-thoughts-on-salary-bands" / "index.html"
    ).exists()
    assert "drafts/half-written" not in site.page("feeds/all.atom.xml")
    assert "drafts/half-written" not in site.page("sitemap.xml")


def _job_postings(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    found = []
    for block in blocks:
        data = json.loads(block)
        for item in data if isinstance(data, list) else [data]:
            if item.get("@type") == "JobPosting":
                found.append(item)
    return found


def test_role_closes_the_morning_after_valid_through(tmp_path):
    # content/openings/data-engineer-contract.md is valid through 2026-12-31
    role = "openings/data-engineer-contract/index.html"
    last_day = _site_with(tmp_path, "2026-12-31")
    assert last_day.report.ok
    assert _job_postings(last_day.page(role))
    assert "openings/data-engineer-contract/" in last_day.page("feeds/openings.atom.xml")
    assert "openings/data-engineer-contract/" in last_day.page("sitemap.xml")
    assert "openings/data-engineer-contract/" in last_day.page("openings/index.html")

    next_morning = _site_with(tmp_path, "2027-01-01")
    assert next_morning.report.ok
    page = next_morning.page(role)  # old links keep working, the page says it is closed
    assert not _job_postings(page)
    assert re.search(r"(?i)no longer (open|accepting)|closed|expired", page)
    assert "openings/data-engineer-contract/" not in next_morning.page("feeds/openings.atom.xml")
    assert "openings/data-engineer-contract/" not in next_morning.page("sitemap.xml")
