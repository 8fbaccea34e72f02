"""`invoke new-opening`: a skeleton with every field documented that builds as it is."""

from __future__ import annotations

import datetime
import shutil

import pytest

from plugins.openings.model import FIELD_HELP
from sitekit.new_opening import next_ref, write_new_opening
from tests.openings.conftest import OPENINGS_FIXTURES, build_openings, job_postings, soup
from tests.sitebuild import ROOT

TODAY = datetime.date(2026, 11, 30)


def test_skeleton_has_every_field_with_its_allowed_values(tmp_path):
    path = write_new_opening(tmp_path, "Site Reliability Engineer", today=TODAY)
    assert path.name == "site-reliability-engineer.md"
    text = path.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0].splitlines()
    fields = [line.split(":", 1)[0].lower() for line in header if not line.startswith("#")]
    assert fields == list(FIELD_HELP)
    for name, help_text in FIELD_HELP.items():
        assert f"# {name}: {help_text}" in header
    assert "Title: Site Reliability Engineer" in header
    assert "Status: paused" in header and "Date: 2026-11-30" in header
    assert "# status: one of open, paused, filled, closed" in header
    assert any("FULL_TIME, PART_TIME, CONTRACTOR" in line for line in header)


def test_skeleton_builds_cleanly_as_a_paused_role(tmp_path):
    content = tmp_path / "src"
    shutil.copytree(OPENINGS_FIXTURES / "kinds" / "posts", content / "posts")
    write_new_opening(content / "openings", "Site Reliability Engineer", today=TODAY)
    site = build_openings(tmp_path, content)
    assert site.report.ok, site.report.problems
    assert site.report.warnings == []
    page = soup(site, "openings/site-reliability-engineer/index.html")
    assert "This role is on hold" in page.select_one(".notice").get_text()
    assert job_postings(page) == []
    assert "site-reliability-engineer" not in site.page("openings/index.html")


def test_refuses_to_overwrite(tmp_path):
    write_new_opening(tmp_path, "QA Lead", today=TODAY)
    with pytest.raises(SystemExit, match="already exists"):
        write_new_opening(tmp_path, "QA Lead", today=TODAY)
    with pytest.raises(SystemExit, match="title: is empty"):
        write_new_opening(tmp_path, "   ", today=TODAY)


def test_ref_continues_the_folders_numbering(tmp_path):
    for name, ref in (("a", "OTP-2026-009"), ("b", "OTP-2026-012"), ("c", "OTP-2025-040")):
        (tmp_path / f"{name}.md").write_text(f"Title: {name}\nRef: {ref}\n\nBody\n")
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe")
    assert next_ref(tmp_path, "x", TODAY) == "OTP-2026-013"
    assert next_ref(tmp_path, "x", datetime.date(2027, 1, 2)) == "OTP-2027-001"


def test_the_sample_content_numbering_continues():
    assert next_ref(ROOT / "content" / "openings", "x", TODAY).startswith("OTP-2026-")


def test_ref_without_numbering_is_date_and_slug_within_the_limit(tmp_path):
    slug = "a-very-long-title-for-a-role-that-goes-on-and-on"
    ref = next_ref(tmp_path, slug, TODAY)
    assert ref.startswith("20261130-a-very-long") and len(ref) <= 40
    assert not ref.endswith("-")


def test_the_invoke_task_is_declared():
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert '@task(name="new-opening"' in tasks
    assert "write_new_opening" in tasks
