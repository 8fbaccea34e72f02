"""A bad opening stops the build with one `path: field: message` line per problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.openings.conftest import OPENINGS_FIXTURES, TODAY, build_openings
from tests.sitebuild import ROOT

INVALID = OPENINGS_FIXTURES / "invalid"

# (file in tests/fixtures/openings/invalid/openings/, field, message): the whole line.
CASES = [
    ("missing-title", "title", "is missing (the role's title, e.g. Senior Platform Engineer)"),
    (
        "unknown-field",
        "sallary_min",
        "unknown field; did you mean salary_min? (allowed: title, slug, ref, status, "
        "date, modified, valid_through, company, confidential, company_url, "
        "employment_type, work_mode, location, applicant_countries, salary_min, "
        "salary_max, salary_currency, salary_unit, category, tags, summary, apply_url, "
        "apply_email)",
    ),
    ("bad-status", "status", "'active' is not allowed (allowed: open, paused, filled, closed)"),
    ("bad-work-mode", "work_mode", "'office' is not allowed (allowed: onsite, hybrid, remote)"),
    (
        "bad-employment-type",
        "employment_type",
        "'FULLTIME' is not allowed (allowed: FULL_TIME, PART_TIME, CONTRACTOR, TEMPORARY, "
        "INTERN, VOLUNTEER, PER_DIEM, OTHER)",
    ),
    ("bad-date", "date", "cannot parse '30/11/2026' (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
    (
        "bad-valid-through",
        "valid_through",
        "cannot parse '2026-02-30' (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)",
    ),
    (
        "valid-through-before-date",
        "valid_through",
        "2026-10-15 is before date 2026-11-01 (the role cannot close before it is posted)",
    ),
    ("salary-min-above-max", "salary_min", "80000 is more than salary_max 60000"),
    (
        "salary-without-currency",
        "salary_currency",
        "is missing (an ISO 4217 code such as GBP, EUR, USD; needed when a salary is given)",
    ),
    (
        "salary-without-unit",
        "salary_unit",
        "is missing (allowed: HOUR, DAY, WEEK, MONTH, YEAR; needed when a salary is given)",
    ),
    (
        "salary-bad-unit",
        "salary_unit",
        "'ANNUAL' is not allowed (allowed: HOUR, DAY, WEEK, MONTH, YEAR)",
    ),
    (
        "salary-not-a-number",
        "salary_min",
        "'55k' is not a number (write it plainly, e.g. 55000 or 32.50)",
    ),
    ("currency-without-salary", "salary_currency", "is given without salary_min or salary_max"),
    (
        "bad-currency",
        "salary_currency",
        "'GPB' is not an ISO 4217 currency code (e.g. GBP, EUR, USD)",
    ),
    (
        "bad-country",
        "location",
        "'UK' is not an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US); did you mean GB?",
    ),
    (
        "bad-location-format",
        "location",
        "'Leeds, GB' is not 'City, Region, CC' (e.g. 'Leeds, West Yorkshire, GB')",
    ),
    (
        "bad-applicant-country",
        "applicant_countries",
        "'XX' is not an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US)",
    ),
    (
        "applicant-countries-not-remote",
        "applicant_countries",
        "only applies to remote roles (work_mode is hybrid; use location instead)",
    ),
    (
        "missing-location",
        "location",
        "is missing (onsite roles need 'City, Region, CC' with an ISO 3166-1 alpha-2 "
        "country code; several separated by ';')",
    ),
    ("long-ref", "ref", "is 41 characters long (at most 40 allowed)"),
    (
        "bad-ref-characters",
        "ref",
        "'OTP 2026 1' may only contain letters, digits, '.', '_' and '-'",
    ),
    (
        "no-way-to-apply",
        "apply_url",
        "an open role needs apply_url or apply_email (how candidates apply)",
    ),
    (
        "relative-apply-url",
        "apply_url",
        "'/apply/role' is not an absolute URL (expected https://…)",
    ),
    ("bad-apply-email", "apply_email", "'jobs-at-acme' is not an email address"),
    (
        "confidential-with-company",
        "company",
        "must be left out for a confidential client (confidential: true), so the "
        "employer's name cannot leak onto the site",
    ),
    ("missing-company", "company", "is missing (the employer's name, or confidential: true)"),
    (
        "bad-slug",
        "slug",
        "'Valid Role' is not a valid slug (lowercase letters, digits and single hyphens, "
        "e.g. senior-platform-engineer)",
    ),
    (
        "reserved-slug",
        "slug",
        "'remote' is reserved for a filter page (reserved: category, closed, hybrid, "
        "location, onsite, remote, type)",
    ),
    (
        "duplicate-slug-b",
        "slug",
        "'same-slug' is also used by content/openings/duplicate-slug-a.md (each role "
        "needs its own page address)",
    ),
    (
        "duplicate-ref-b",
        "ref",
        "'dup-1' is also used by content/openings/duplicate-ref-a.md (a ref is never "
        "reused, even after a role closes)",
    ),
    (
        "empty-description",
        "description",
        "the job description (the Markdown text under the metadata) is empty",
    ),
    (
        "no-metadata",
        "file",
        "has no metadata lines at the top (expected 'Title: …', 'Ref: …' and the other "
        "fields, then a blank line, then the description)",
    ),
    (
        "broken-header",
        "file",
        "line 3: 'Salary min: 50000' is not a 'name: value' metadata line (names use "
        "letters, digits, '_' and '-'; leave a blank line before the description)",
    ),
]


@pytest.fixture(scope="module")
def invalid_site(tmp_path_factory):
    return build_openings(tmp_path_factory.mktemp("openings-invalid"), INVALID)


@pytest.mark.parametrize(("name", "field", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_one_precise_line(invalid_site, name, field, message):
    path = f"content/openings/{name}.md"
    lines = [line for line in invalid_site.report.problems if line.startswith(f"{path}: ")]
    assert lines == [f"{path}: {field}: {message}"]


def test_every_bad_file_is_reported_and_nothing_is_written(invalid_site):
    report = invalid_site.report
    assert not report.ok
    assert report.errors == []  # no traceback, no Pelican error line
    reported = {line.split(": ")[0] for line in report.problems}
    bad_files = {
        f"content/openings/{path.name}"
        for path in (INVALID / "openings").glob("*.md")
        if not path.name.endswith("-a.md")  # the first of a duplicate pair is fine
    }
    assert reported == bad_files
    assert len(report.problems) == len(CASES)
    assert not (invalid_site.output / "openings").exists()


def _good_tree(tmp_path: Path) -> Path:
    """A one-post, one-opening content tree to break in small ways."""
    content = tmp_path / "src"
    shutil.copytree(OPENINGS_FIXTURES / "kinds" / "posts", content / "posts")
    (content / "openings").mkdir()
    shutil.copy(OPENINGS_FIXTURES / "kinds" / "openings" / "hybrid-salary.md", content / "openings")
    return content


def test_unreadable_files_are_one_problem_line_each_without_a_traceback(tmp_path):
    content = _good_tree(tmp_path)
    openings = content / "openings"
    (openings / "latin1.md").write_bytes("Title: Caf\xe9 manager\n\nBody\n".encode("latin-1"))
    (openings / "empty.md").write_bytes(b"")
    (openings / "blank.md").write_bytes(b"\n  \n\t\n")
    (openings / "binary.md").write_bytes(b"Title: x\x00\x01\x02\n\x00")
    (openings / "image.md").write_bytes(bytes(range(256)) * 4)
    site = build_openings(tmp_path, content)
    assert site.report.errors == []
    assert sorted(site.report.problems) == [
        "content/openings/binary.md: file: contains NUL bytes (binary data, not text)",
        "content/openings/blank.md: file: is empty (expected metadata lines such as "
        "'Title: …', then the description)",
        "content/openings/empty.md: file: is empty (expected metadata lines such as "
        "'Title: …', then the description)",
        "content/openings/image.md: file: contains NUL bytes (binary data, not text)",
        "content/openings/latin1.md: file: is not UTF-8 text (bad byte at offset 10); "
        "save it as UTF-8",
    ]


def test_warnings_and_skipped_files_do_not_stop_the_build(tmp_path):
    content = _good_tree(tmp_path)
    (content / "openings" / "anywhere.md").write_text(
        "Title: Remote Anywhere\nRef: W-1\nStatus: open\nDate: 2026-12-24\n"
        "Company: Acme\nEmployment_type: FULL_TIME\nWork_mode: remote\n"
        "Category: Engineering\nSummary: Work from anywhere.\n"
        "Apply_email: jobs@acme.example\n\nA remote role.\n",
        encoding="utf-8",
    )
    site = build_openings(tmp_path, content)
    assert site.report.ok, site.report.problems
    assert site.report.warnings == [
        "content/openings/anywhere.md: date: 2026-12-24 is in the future (today is 2026-11-30)",
        "content/openings/anywhere.md: applicant_countries: a remote role without "
        "applicant_countries is shown as open to candidates anywhere (add "
        "comma-separated country codes, e.g. GB, IE)",
    ]
    assert (site.output / "openings/remote-anywhere/index.html").is_file()


def test_a_page_in_the_way_of_the_listing_is_a_problem(tmp_path):
    content = _good_tree(tmp_path)
    (content / "pages").mkdir()
    (content / "pages" / "openings.md").write_text(
        "Title: Openings\nSlug: openings\n\nSoon.\n", encoding="utf-8"
    )
    site = build_openings(tmp_path, content)
    assert site.report.problems == [
        "content/pages/openings.md: slug: 'openings' would write openings/index.html, "
        "which belongs to the openings listing (remove this file or change its slug)"
    ]


def test_the_build_command_exits_non_zero_with_one_line_per_problem(tmp_path):
    content = tmp_path / "site" / "content"
    shutil.copytree(INVALID, content)
    settings = tmp_path / "site" / "settings.py"
    settings.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pelicanconf import *  # noqa\n"
        f"PATH = {str(content)!r}\n"
        f"OUTPUT_PATH = {str(tmp_path / 'output')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT)!r}]\n"
        "COMMENTS_SNAPSHOT = False\n"
        f"OPENINGS_TODAY = {TODAY!r}\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "sitekit.build", "--settings", str(settings)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    err = run.stderr.splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == len(CASES)
    assert "error: content/openings/bad-status.md: status: 'active' is not allowed " in (
        "\n".join(errors)
    )
    assert not any("Traceback" in line for line in err)
    assert err[-1] == f"Build failed: {len(CASES)} problem(s); nothing was written."


def test_a_bad_openings_today_setting_is_reported(tmp_path):
    site = build_openings(tmp_path, _good_tree(tmp_path), OPENINGS_TODAY="30/11/2026")
    assert site.report.problems == [
        "settings: OPENINGS_TODAY: cannot parse '30/11/2026' (expected YYYY-MM-DD)"
    ]


def test_a_control_character_is_one_problem_line(tmp_path):
    content = _good_tree(tmp_path)
    (content / "openings" / "pasted.md").write_text(
        "Title: Pasted\x0b Role\nRef: P-1\n\nBody\n", encoding="utf-8"
    )
    site = build_openings(tmp_path, content)
    [line] = site.report.problems
    assert line.startswith("content/openings/pasted.md: file: contains the control character")
