"""Gate 5b: random Markdown and metadata never crash the build or the validators.

Bounded (max_examples ≈ 50, no deadline): a failure is an unhandled exception, a
problem line that is not one line naming the file, or metadata that reaches the page
unescaped. Posts go through plugins/strict_content, openings through
openings.model.parse_opening, comments through comments.model.read_comment_file.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.quality.conftest import import_or_require
from tests.quality.test_bad_inputs import BAD, TODAY, assert_rendered_escaped
from tests.sitebuild import FIXTURES, build, require

BOUNDED = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Each example is a real build (about a second): fewer of them.
BUILDS = settings(BOUNDED, max_examples=20)

# Characters that break naive templates, parsers and URL builders.
NASTY = "<>&\"'`/\\:;#*_[]()!|{}%$@=\t -"
# One line of metadata: anything but line breaks (which end a metadata value).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
any_line = st.text(
    alphabet=st.one_of(
        st.sampled_from(NASTY),
        st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS),
    ),
    max_size=60,
)
# Mostly printable text (control characters are refused at the edge, so a build with
# them stops early); sometimes anything at all.
line_text = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(NASTY),
            st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=LINE_BREAKS),
        ),
        max_size=60,
    ),
    any_line,
)
plain_line = st.text(
    alphabet=st.one_of(
        st.sampled_from(NASTY),
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Cf", "Co", "Cn")),
    ),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())
markdown_body = st.lists(
    st.one_of(
        line_text,
        st.sampled_from(
            [
                "# Heading",
                "- item",
                "1. item",
                "> quote",
                "```",
                "    code",
                "[link](http://example.org/)",
                "![img](x.png)",
                "| a | b |",
                "|---|---|",
                "<div>raw</div>",
                "*emph* **strong** `code`",
                "[^1]",
                "[^1]: note",
                "",
            ]
        ),
    ),
    max_size=20,
).map("\n".join)
VALID_DATES = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2030, 12, 31)
).map(lambda d: d.strftime("%Y-%m-%d %H:%M"))
DATES = st.one_of(VALID_DATES, line_text)


def mostly(valid: st.SearchStrategy, anything: st.SearchStrategy) -> st.SearchStrategy:
    """Valid four times in five, so most builds get past validation to the pages."""
    return st.one_of(valid, valid, valid, valid, anything)


# Mostly with some text in it: an empty description or comment is refused.
body_text = mostly(markdown_body.map(lambda body: "Some text.\n\n" + body), markdown_body)


def metadata_block(fields: dict[str, str]) -> str:
    return "".join(f"{name}: {value}\n" for name, value in fields.items())


OPENING_VALUES = {
    "title": plain_line,
    "slug": st.one_of(st.sampled_from(["random-role", "base-role", "openings", ""]), line_text),
    "ref": st.one_of(st.sampled_from(["RND-1", "BASE-001", "x" * 50]), line_text),
    "status": st.one_of(st.sampled_from(["open", "paused", "filled", "closed"]), line_text),
    "date": DATES,
    "modified": DATES,
    "valid_through": DATES,
    "company": line_text,
    "confidential": st.sampled_from(["true", "false", "maybe", ""]),
    "company_url": st.one_of(st.just("https://example.org/"), line_text),
    "employment_type": st.one_of(st.sampled_from(["FULL_TIME", "PART_TIME, INTERN"]), line_text),
    "work_mode": st.one_of(st.sampled_from(["onsite", "hybrid", "remote"]), line_text),
    "location": st.one_of(
        st.sampled_from(["Leeds, West Yorkshire, GB", "Paris, IDF, FR"]), line_text
    ),
    "applicant_countries": st.one_of(st.sampled_from(["GB", "GB, DE", "UK", "ZZ"]), line_text),
    "salary_min": st.one_of(st.sampled_from(["50000", "0", "-1", "1e9", "12.345"]), line_text),
    "salary_max": st.one_of(st.sampled_from(["60000", "40000", "NaN", "Infinity"]), line_text),
    "salary_currency": st.one_of(st.sampled_from(["GBP", "EUR", "XXX", "gbp"]), line_text),
    "salary_unit": st.one_of(st.sampled_from(["YEAR", "HOUR", "year"]), line_text),
    "category": line_text,
    "tags": line_text,
    "summary": line_text,
    "apply_url": st.one_of(
        st.sampled_from(["https://a.example/?q=1&r=2", "javascript:x"]), line_text
    ),
    "apply_email": st.one_of(st.sampled_from(["a@b.example", "not-an-email"]), line_text),
}
VALID_OPENING = {
    "title": "Random Role",
    "slug": "random-role",
    "ref": "RND-1",
    "status": "open",
    "date": "2026-11-01",
    "company": "Example Ltd",
    "employment_type": "FULL_TIME",
    "work_mode": "remote",
    "applicant_countries": "GB",
    "category": "Engineering",
    "summary": "A role.",
    "apply_email": "apply@example.org",
}


def _mutate(changes: dict, dropped: list) -> dict:
    raw = {**VALID_OPENING, **changes}
    for name in dropped:
        raw.pop(name, None)
    return raw


# Mostly a valid role with one to three fields changed or dropped, so the build
# gets past validation often enough to check the rendered page too.
_ANY_FIELD = {**OPENING_VALUES, "unknown_field": line_text}
opening_metadata = mostly(
    st.builds(
        _mutate,
        st.lists(st.sampled_from(sorted(_ANY_FIELD)), max_size=2, unique=True).flatmap(
            lambda names: st.fixed_dictionaries({name: _ANY_FIELD[name] for name in names})
        ),
        st.lists(st.sampled_from(sorted(VALID_OPENING)), max_size=1),
    ),
    st.fixed_dictionaries({}, optional=_ANY_FIELD),
)
mostly_valid_title = mostly(plain_line, line_text)
mostly_valid_date = mostly(VALID_DATES, line_text)


def one_line_problems(lines: list[str]) -> None:
    for line in lines:
        assert "\n" not in line and "Traceback" not in line, line


# -- through the build ----------------------------------------------------------


def build_random_site(folder: str, post: str, opening: str, comment: str):
    """The minimal fixture plus a valid base role and comment, and the three random files."""
    tmp = Path(folder)
    content = tmp / "tree"
    shutil.copytree(FIXTURES / "minimal", content)
    shutil.copytree(BAD / "base", content, dirs_exist_ok=True)
    (content / "posts" / "random.md").write_text(post, encoding="utf-8")
    (content / "openings" / "random.md").write_text(opening, encoding="utf-8")
    (content / "comments" / "a-first-post" / "random.md").write_text(comment, encoding="utf-8")
    return build(tmp, content, OPENINGS_TODAY=TODAY)


def require_plugins() -> None:
    require(importlib.util.find_spec("plugins.openings") is not None, "openings plugin missing")
    require(importlib.util.find_spec("plugins.comments") is not None, "comments plugin missing")


@pytest.mark.slow
@BUILDS
@given(
    title=mostly_valid_title,
    summary=line_text,
    tags=line_text,
    date=mostly_valid_date,
    body=body_text,
    opening=opening_metadata,
    opening_body=body_text,
    comment_author=mostly_valid_title,
    comment_date=mostly_valid_date,
    comment_body=body_text,
)
def test_random_sources_never_crash_the_build(
    title, summary, tags, date, body, opening, opening_body, comment_author, comment_date,
    comment_body,
):  # fmt: skip
    require_plugins()
    post = metadata_block({"Title": title, "Date": date, "Tags": tags, "Summary": summary})
    role = metadata_block({k.capitalize(): v for k, v in opening.items()})
    comment = metadata_block({"Author": comment_author, "Date": comment_date})
    with tempfile.TemporaryDirectory() as folder:
        site = build_random_site(
            folder, f"{post}\n{body}", f"{role}\n{opening_body}", f"{comment}\n{comment_body}"
        )
    report = site.report
    event("build ok" if report.ok else "build refused the sources")
    one_line_problems(report.problems + report.errors + report.warnings)
    assert not report.errors, report.errors
    named = ("content/posts/random.md", "content/openings/random.md", "content/comments/")
    assert all(line.startswith(named) for line in report.problems), report.problems


# Text an author or a reader may legitimately write: printable, with every character
# that means something to HTML, JSON, Markdown or URLs.
legit_line = st.text(
    alphabet=st.one_of(
        st.sampled_from(NASTY),
        st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")),
    ),
    min_size=1,
    max_size=50,
).map(lambda text: " ".join(text.split()) or "x")


@pytest.mark.slow
@BUILDS
@given(
    title=legit_line,
    summary=legit_line,
    role_title=legit_line,
    company=legit_line,
    role_summary=legit_line,
    author=legit_line,
    comment_text=legit_line,
)
def test_legitimate_random_text_builds_and_renders_escaped(
    title, summary, role_title, company, role_summary, author, comment_text
):
    require_plugins()
    post = metadata_block(
        {"Title": title, "Slug": "random-post", "Date": "2021-05-01 10:00", "Summary": summary}
    )
    role = metadata_block(
        {
            **{k.capitalize(): v for k, v in VALID_OPENING.items()},
            "Title": role_title,
            "Company": company,
            "Summary": role_summary,
        }
    )
    comment = metadata_block({"Author": author, "Date": "2020-01-03 12:00"})
    with tempfile.TemporaryDirectory() as folder:
        site = build_random_site(
            folder, f"{post}\nBody.\n", f"{role}\nThe role.\n", f"{comment}\n{comment_text}\n"
        )
        assert site.report.ok, site.report.problems + site.report.errors
        for page in site.output.rglob("*.html"):
            assert_rendered_escaped(page.read_text(encoding="utf-8"))
        [post_page] = [
            p for p in site.output.glob("posts/*/index.html") if "a-first-post" not in p.as_posix()
        ]
        check_title(post_page, "BlogPosting", "headline", title)
        check_title(
            site.output / "openings/random-role/index.html", "JobPosting", "title", role_title
        )


def check_title(page_file: Path, kind: str, key: str, title: str) -> None:
    """The title reads the same in the heading and in the JSON-LD: escaped, not mangled."""
    page = BeautifulSoup(page_file.read_text(encoding="utf-8"), "html.parser")
    assert " ".join(page.h1.get_text().split()) == title
    blocks = [json.loads(b.string) for b in page.find_all("script", type="application/ld+json")]
    assert [b[key] for b in blocks if b.get("@type") == kind] == [title]


# -- the validators on their own (fast) -------------------------------------------


@BOUNDED
@given(raw=opening_metadata, description=markdown_body)
def test_random_opening_metadata_never_crashes_the_validator(raw, description):
    model = import_or_require("plugins.openings.model")
    from pelican.utils import slugify

    result = model.parse_opening(
        raw,
        description,
        source_path="content/openings/random.md",
        timezone="Europe/London",
        today=datetime.date(2026, 11, 30),
        slugify=slugify,
    )
    assert (result.opening is None) == bool(result.problems)
    for problem in result.problems + result.warnings:
        assert problem.field and "\n" not in problem.message, problem


@BOUNDED
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda author, date, extra, body: (
                f"Author: {author}\nDate: {date}\n{extra}\n{body}".encode()
            ),
            line_text,
            DATES,
            st.sampled_from(["", "Website: javascript:alert(1)\n", "Reply_to: x\n", "Oops\n"]),
            markdown_body,
        ),
    )
)
def test_random_comment_file_never_crashes_the_reader(data):
    model = import_or_require("plugins.comments.model")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.md"
        path.write_bytes(data)
        comment, problems = model.read_comment_file(
            str(path), datetime.UTC, ("author", "date", "website", "reply_to")
        )
    assert (comment is None) == bool(problems) or comment is None
    for problem in problems:
        assert "\n" not in problem.message, problem
    if comment is not None:
        html = f"<p>{comment.author}</p>{comment.html}"
        assert_rendered_escaped(html)
        assert comment.website is None or comment.website.startswith(("http://", "https://"))
