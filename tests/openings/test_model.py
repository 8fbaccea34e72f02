"""The Opening model on its own: parsing, the open/closed rules, and display values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.openings.model import (
    EMPLOYMENT_TYPES,
    FIELDS,
    MAX_REF_LENGTH,
    FieldProblem,
    Salary,
    parse_opening,
    validate,
)

TODAY = datetime.date(2026, 11, 30)
VALID = {
    "title": "Platform Engineer",
    "ref": "OTP-1",
    "status": "open",
    "date": "2026-11-01 09:00",
    "company": "Acme",
    "employment_type": "FULL_TIME",
    "work_mode": "hybrid",
    "location": "Leeds, West Yorkshire, GB",
    "category": "Engineering",
    "summary": "A role.",
    "apply_url": "https://jobs.acme.example/1",
}


def parse(description: str = "<p>Body</p>", today=TODAY, **changes):
    raw = {**VALID, **changes}
    raw = {name: value for name, value in raw.items() if value is not None}
    return parse_opening(
        raw,
        description,
        source_path="content/openings/x.md",
        timezone="Europe/London",
        today=today,
        slugify=lambda text: text.lower().replace(" ", "-"),
        reserved_slugs={"remote"},
    )


def opening(**changes):
    result = parse(**changes)
    assert result.problems == [], result.problems
    return result.opening


def fields_with_problems(**changes) -> list[str]:
    return [problem.field for problem in parse(**changes).problems]


def test_a_valid_source_parses_into_typed_fields():
    role = opening()
    assert role.title == "Platform Engineer"
    assert role.slug == "platform-engineer"  # made from the title
    assert role.date == datetime.datetime(
        2026, 11, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(0))
    )
    assert role.date.tzinfo is not None and role.date.utcoffset() == datetime.timedelta(0)
    assert role.employment_types == ("FULL_TIME",)
    assert role.locations[0].country == "GB" and role.locations[0].region == "West Yorkshire"
    assert role.category_slug == "engineering"
    assert role.salary is None and role.modified is None and role.valid_through is None


def test_summer_dates_carry_the_british_summer_time_offset():
    role = opening(date="2026-07-01")
    assert role.date.isoformat() == "2026-07-01T00:00:00+01:00"


def test_date_only_valid_through_means_the_end_of_that_day():
    role = opening(valid_through="2026-12-31")
    assert role.valid_through.isoformat() == "2026-12-31T23:59:59+00:00"


@pytest.mark.parametrize(
    ("status", "valid_through", "state", "is_open"),
    [
        ("open", None, "open", True),
        ("open", "2026-11-30", "open", True),  # the last day still counts
        ("open", "2026-11-29", "expired", False),
        ("paused", None, "paused", False),
        ("filled", None, "filled", False),
        ("closed", "2027-01-01", "closed", False),
    ],
)
def test_state_on_today(status, valid_through, state, is_open):
    role = opening(status=status, valid_through=valid_through)
    assert role.state_on(TODAY) == state
    assert role.is_open(TODAY) is is_open
    assert role.is_closed(TODAY) is (state in ("filled", "closed", "expired"))


def test_the_same_role_is_open_before_and_expired_after_its_closing_date():
    role = opening(valid_through="2026-12-15")
    assert role.is_open(datetime.date(2026, 12, 15))
    assert not role.is_open(datetime.date(2026, 12, 16))


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"salary_min": "55000", "salary_max": "70000"}, "£55,000–£70,000 a year"),
        ({"salary_min": "55000"}, "from £55,000 a year"),
        ({"salary_max": "30.5", "salary_unit": "HOUR"}, "up to £30.50 an hour"),
        ({"salary_min": "400", "salary_max": "400", "salary_unit": "DAY"}, "£400 a day"),
        (
            {
                "salary_min": "5000",
                "salary_max": "6000",
                "salary_currency": "CHF",
                "salary_unit": "MONTH",
            },
            "5,000 CHF–6,000 CHF a month",
        ),
    ],
)
def test_salary_text(changes, text):
    role = opening(**{"salary_currency": "GBP", "salary_unit": "YEAR", **changes})
    assert role.salary.text == text


def test_salary_amounts_are_decimals():
    role = opening(
        salary_min="60000", salary_max="75000.50", salary_currency="gbp", salary_unit="year"
    )
    assert role.salary == Salary(Decimal("60000"), Decimal("75000.50"), "GBP", "YEAR")


def test_labels_for_cards():
    remote = opening(work_mode="remote", location=None, applicant_countries="GB, ie, GB")
    assert remote.applicant_countries == ("GB", "IE")
    assert remote.location_label == "from United Kingdom or Ireland"
    assert remote.country_keys == ("gb", "ie")
    onsite = opening(
        location="Leeds, West Yorkshire, GB; York, North Yorkshire, GB; Berlin, Berlin, DE"
    )
    assert onsite.location_label == "Leeds or York, United Kingdom; Berlin, Germany"
    confidential = opening(company=None, confidential="true")
    assert confidential.employer_name == "Confidential client"
    several = opening(employment_type="full_time, contractor, FULL_TIME")
    assert several.employment_types == ("FULL_TIME", "CONTRACTOR")
    assert several.employment_type_label == "Full-time, Contract"
    assert several.employment_type_slugs == ("full-time", "contractor")


def test_remote_without_countries_is_open_to_anywhere_with_a_warning():
    result = parse(work_mode="remote", location=None)
    assert result.problems == []
    assert result.opening.country_keys == ("*",)
    assert result.opening.location_label == "from anywhere"
    assert [w.field for w in result.warnings] == ["applicant_countries"]


def test_a_future_date_is_a_warning_not_a_problem():
    result = parse(date="2026-12-25")
    assert result.problems == []
    assert result.warnings == [
        FieldProblem("date", "2026-12-25 is in the future (today is 2026-11-30)")
    ]


def test_mailto_apply_link_carries_title_and_ref_in_the_subject():
    role = opening(apply_url=None, apply_email="jobs@acme.example")
    assert role.apply_href == (
        "mailto:jobs@acme.example?subject=Application%3A%20Platform%20Engineer%20%28ref%20OTP-1%29"
    )


def test_closed_roles_need_no_way_to_apply():
    assert fields_with_problems(status="filled", apply_url=None) == []
    assert fields_with_problems(status="open", apply_url=None) == ["apply_url"]


def test_every_problem_of_a_file_is_reported_at_once():
    fields = fields_with_problems(
        status="maybe", date="yesterday", work_mode="office", sallary_min="1"
    )
    assert sorted(fields) == ["date", "sallary_min", "status", "work_mode"]


def test_no_metadata_is_one_problem():
    result = parse_opening(
        {},
        "<p>text</p>",
        source_path="x",
        timezone="UTC",
        today=TODAY,
        slugify=str.lower,
    )
    assert [p.field for p in result.problems] == ["file"]


def test_validate_returns_the_same_problems():
    kwargs = dict(source_path="x", timezone="UTC", today=TODAY, slugify=str.lower)
    assert validate({**VALID, "status": "gone"}, "<p>x</p>", **kwargs) == [
        FieldProblem("status", "'gone' is not allowed (allowed: open, paused, filled, closed)")
    ]


def test_every_documented_field_is_accepted():
    assert set(VALID) <= set(FIELDS)
    assert len(FIELDS) == 23


@given(st.text(alphabet="ABCDEFGHIJ0123456789-._", min_size=1, max_size=60))
def test_ref_length_limit(ref):
    problems = fields_with_problems(ref=ref)
    if ref[0] in "-._":
        assert "ref" in problems
    else:
        assert ("ref" in problems) is (len(ref) > MAX_REF_LENGTH)


@given(st.lists(st.sampled_from(EMPLOYMENT_TYPES), min_size=1, max_size=4))
def test_any_list_of_employment_types_parses(types):
    role = opening(employment_type=", ".join(types))
    assert set(role.employment_types) == set(types)
    assert len(role.employment_types) == len(set(types))


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"title": "!!!"}, "slug", "cannot be made from the title '!!!'"),
        ({"title": "Remote"}, "slug", "'remote' is reserved for a filter page"),
        ({"category": "???"}, "category", "needs at least one letter or digit"),
        ({"date": "0001-01-01"}, "date", "is out of range (a year from 1990 to 2199)"),
        ({"location": "Leeds, West Yorkshire, ß"}, "location", "'ß' is not an ISO 3166-1"),
        ({"apply_url": "http://[::1"}, "apply_url", "is not an absolute URL"),
        ({"apply_url": "javascript:alert(1)"}, "apply_url", "is not an absolute URL"),
        (
            {"salary_min": "1", "salary_currency": "€UR", "salary_unit": "YEAR"},
            "salary_currency",
            "is not an ISO 4217 currency code",
        ),
    ],
)
def test_odd_values_are_problems_not_crashes(changes, field, says):
    problems = parse(**changes).problems
    assert [p.field for p in problems] == [field]
    assert says in problems[0].message


def test_a_made_slug_keeps_to_lowercase_letters_digits_and_hyphens():
    role = parse_opening(
        {**VALID, "title": "Ops_Lead (C++)"},
        "<p>x</p>",
        source_path="x",
        timezone="UTC",
        today=TODAY,
        slugify=lambda text: "ops_lead-c",
    ).opening
    assert role.slug == "ops-lead-c"
