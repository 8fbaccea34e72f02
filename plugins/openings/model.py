"""The `Opening` value: one role, parsed from a source file's metadata and checked.

Parsing collects every problem of a file instead of stopping at the first, so the
author fixes them all in one go. Nothing here knows about Pelican or templates.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pycountry

from plugins.strict_content.reader import DATE_FORMAT_HELP, parse_iso_date

STATUSES = ("open", "paused", "filled", "closed")
WORK_MODES = ("onsite", "hybrid", "remote")
EMPLOYMENT_TYPES = (
    "FULL_TIME",
    "PART_TIME",
    "CONTRACTOR",
    "TEMPORARY",
    "INTERN",
    "VOLUNTEER",
    "PER_DIEM",
    "OTHER",
)
SALARY_UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
MAX_REF_LENGTH = 40
# Dates outside these years are typos (and break feed date formats).
FIRST_YEAR, LAST_YEAR = 1990, 2199

# Every field a source may carry, with the help shown in problems and skeletons.
FIELD_HELP = {
    "title": "the role's title, e.g. Senior Platform Engineer",
    "slug": "the page address /openings/<slug>/: lowercase letters, digits and "
    "hyphens (optional: made from the title)",
    "ref": f"a stable id of at most {MAX_REF_LENGTH} characters (letters, digits, "
    "'.', '_', '-'), never reused",
    "status": "one of " + ", ".join(STATUSES),
    "date": f"the date the role was posted ({DATE_FORMAT_HELP})",
    "modified": f"optional: the date of the last real change ({DATE_FORMAT_HELP})",
    "valid_through": f"optional: the last day to apply ({DATE_FORMAT_HELP})",
    "company": "the employer's name (or leave it out and write confidential: true)",
    "confidential": "true for a confidential client (true or false)",
    "company_url": "optional: the employer's website, https://…",
    "employment_type": "one or more, comma-separated, of " + ", ".join(EMPLOYMENT_TYPES),
    "work_mode": "one of " + ", ".join(WORK_MODES),
    "location": "'City, Region, CC' with an ISO 3166-1 alpha-2 country code; "
    "several separated by ';' (optional for remote roles)",
    "applicant_countries": "remote roles: comma-separated ISO 3166-1 alpha-2 codes "
    "of the countries candidates may live in",
    "salary_min": "optional: the lowest salary, a plain number such as 55000",
    "salary_max": "optional: the highest salary, a plain number such as 70000",
    "salary_currency": "an ISO 4217 currency code such as GBP, EUR, USD (needed with a salary)",
    "salary_unit": "one of " + ", ".join(SALARY_UNITS) + " (needed with a salary)",
    "category": "one category, e.g. Engineering",
    "tags": "optional: comma-separated tags, e.g. remote work, interviews",
    "summary": "one or two plain sentences for the listing, feeds and search results",
    "apply_url": "an absolute https:// link to the application form "
    "(an open role needs apply_url or apply_email)",
    "apply_email": "an email address that receives applications; the apply button "
    "opens an email with the title and ref as its subject",
}
FIELDS = tuple(FIELD_HELP)
REQUIRED_FIELDS = (
    "title",
    "ref",
    "status",
    "date",
    "employment_type",
    "work_mode",
    "category",
    "summary",
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")
_CODE_HINTS = {"UK": "GB", "EN": "GB"}
_CURRENCY_SIGNS = {"GBP": "£", "EUR": "€", "USD": "$"}
_UNIT_TEXT = {
    "HOUR": "an hour",
    "DAY": "a day",
    "WEEK": "a week",
    "MONTH": "a month",
    "YEAR": "a year",
}
_WORK_MODE_LABELS = {"onsite": "On-site", "hybrid": "Hybrid", "remote": "Remote"}
_EMPLOYMENT_TYPE_LABELS = {
    "FULL_TIME": "Full-time",
    "PART_TIME": "Part-time",
    "CONTRACTOR": "Contract",
    "TEMPORARY": "Temporary",
    "INTERN": "Internship",
    "VOLUNTEER": "Volunteer",
    "PER_DIEM": "Per diem",
    "OTHER": "Other",
}
_STATE_LABELS = {
    "open": "Open",
    "paused": "On hold",
    "filled": "Filled",
    "closed": "Closed",
    "expired": "Closed",
}


@dataclass(frozen=True, order=True)
class FieldProblem:
    """What is wrong with one field of a source file (the caller knows the path)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


@dataclass(frozen=True)
class Location:
    city: str
    region: str
    country: str  # ISO 3166-1 alpha-2, upper case

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def label(self) -> str:
        return f"{self.city}, {self.country_name}"

    @property
    def full_label(self) -> str:
        return f"{self.city}, {self.region}, {self.country_name}"


@dataclass(frozen=True)
class Salary:
    minimum: Decimal | None
    maximum: Decimal | None
    currency: str  # ISO 4217
    unit: str  # one of SALARY_UNITS

    @property
    def text(self) -> str:
        """ "£55,000–£70,000 a year", "from €400 a day", "up to 30 USD an hour"."""
        amounts = [a for a in (self.minimum, self.maximum) if a is not None]
        shown = [self._money(a) for a in amounts]
        if len(shown) == 2 and self.minimum != self.maximum:
            span = f"{shown[0]}–{shown[1]}"
        elif self.minimum is not None and self.maximum is None:
            span = f"from {shown[0]}"
        elif self.minimum is None:
            span = f"up to {shown[0]}"
        else:
            span = shown[0]
        return f"{span} {_UNIT_TEXT[self.unit]}"

    def _money(self, amount: Decimal) -> str:
        number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
        sign = _CURRENCY_SIGNS.get(self.currency)
        return f"{sign}{number}" if sign else f"{number} {self.currency}"


@dataclass(frozen=True)
class Opening:
    """One role as written by the author, with the rules that decide where it shows."""

    source_path: str
    title: str
    slug: str
    ref: str
    status: str
    date: datetime.datetime
    modified: datetime.datetime | None
    valid_through: datetime.datetime | None
    company: str | None
    confidential: bool
    company_url: str | None
    employment_types: tuple[str, ...]
    work_mode: str
    locations: tuple[Location, ...]
    applicant_countries: tuple[str, ...]
    salary: Salary | None
    category: str
    category_slug: str
    tags: tuple[str, ...]
    summary: str
    apply_url: str | None
    apply_email: str | None
    description: str  # HTML rendered from the Markdown body
    # Filled in by the generator for one build:
    url: str = ""
    save_as: str = ""
    state: str = ""  # state_on(today) for the build's today

    # -- rules --------------------------------------------------------------------

    def is_expired(self, today: datetime.date) -> bool:
        return self.valid_through is not None and self.valid_through.date() < today

    def state_on(self, today: datetime.date) -> str:
        """open, paused, filled, closed, or expired (status open, past valid_through)."""
        if self.status == "open" and self.is_expired(today):
            return "expired"
        return self.status

    def is_open(self, today: datetime.date) -> bool:
        """Open roles are listed, fed, mapped and carry JobPosting data."""
        return self.state_on(today) == "open"

    def is_closed(self, today: datetime.date) -> bool:
        return self.state_on(today) in ("filled", "closed", "expired")

    # -- derived values for templates, feeds and JSON-LD ------------------------------

    @property
    def lastmod(self) -> datetime.datetime:
        return self.modified or self.date

    @property
    def closed_on(self) -> datetime.datetime:
        """When the role stopped taking applications, as far as the source tells."""
        if self.status == "open" and self.valid_through is not None:
            return self.valid_through
        return self.lastmod

    @property
    def employer_name(self) -> str:
        return "Confidential client" if self.confidential else (self.company or "")

    @property
    def is_remote(self) -> bool:
        return self.work_mode == "remote"

    @property
    def work_mode_label(self) -> str:
        return _WORK_MODE_LABELS[self.work_mode]

    @property
    def employment_type_label(self) -> str:
        return ", ".join(_EMPLOYMENT_TYPE_LABELS[t] for t in self.employment_types)

    @property
    def employment_type_slugs(self) -> tuple[str, ...]:
        return tuple(employment_type_slug(t) for t in self.employment_types)

    @property
    def state_label(self) -> str:
        return _STATE_LABELS.get(self.state or self.status, "")

    @property
    def location_label(self) -> str:
        """Where the work happens, in a few words for a card."""
        if self.is_remote:
            if self.applicant_countries:
                names = [country_name(c) for c in self.applicant_countries]
                return "from " + _join_or(names)
            return "from anywhere"
        cities: dict[str, list[str]] = {}
        for location in self.locations:
            cities.setdefault(location.country_name, []).append(location.city)
        return "; ".join(f"{_join_or(names)}, {country}" for country, names in cities.items())

    @property
    def country_keys(self) -> tuple[str, ...]:
        """Lower-case country codes a candidate can work from; '*' means anywhere."""
        if self.is_remote and not self.applicant_countries:
            return ("*",)
        codes = [loc.country for loc in self.locations] + list(self.applicant_countries)
        return tuple(sorted({code.lower() for code in codes}))

    @property
    def apply_href(self) -> str | None:
        if self.apply_url:
            return self.apply_url
        if self.apply_email:
            subject = quote(f"Application: {self.title} (ref {self.ref})", safe="")
            return f"mailto:{self.apply_email}?subject={subject}"
        return None

    @property
    def country_names(self) -> tuple[str, ...]:
        return tuple(country_name(code) for code in self.applicant_countries)


def employment_type_slug(value: str) -> str:
    return value.lower().replace("_", "-")


def employment_type_label(value: str) -> str:
    return _EMPLOYMENT_TYPE_LABELS[value]


def work_mode_label(value: str) -> str:
    return _WORK_MODE_LABELS[value]


def _join_or(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


@dataclass
class ParseResult:
    opening: Opening | None
    problems: list[FieldProblem] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)


def parse_opening(
    raw: Mapping[str, str],
    description: str,
    *,
    source_path: str,
    timezone: datetime.tzinfo | str,
    today: datetime.date,
    slugify: Callable[[str], str],
    reserved_slugs: Collection[str] = (),
) -> ParseResult:
    """Turn raw metadata (lower-case names, string values) into an Opening.

    Returns every problem found; ``opening`` is None when there is any.
    Warnings never stop the build.
    """
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    return _Parser(raw, description, source_path, tz, today, slugify, reserved_slugs).run()


def validate(raw: Mapping[str, str], description: str, **kwargs) -> list[FieldProblem]:
    """Only the problems of a source; see parse_opening for the arguments."""
    return parse_opening(raw, description, **kwargs).problems


class _Parser:
    def __init__(self, raw, description, source_path, tz, today, slugify, reserved):
        self.raw = {name.lower(): str(value).strip() for name, value in raw.items()}
        self.description = (description or "").strip()
        self.source_path = source_path
        self.tz = tz
        self.today = today
        self.slugify = slugify
        self.reserved = reserved
        self.problems: list[FieldProblem] = []
        self.warnings: list[FieldProblem] = []

    # -- helpers --------------------------------------------------------------------

    def problem(self, name: str, message: str) -> None:
        self.problems.append(FieldProblem(name, message))

    def warn(self, name: str, message: str) -> None:
        self.warnings.append(FieldProblem(name, message))

    def value(self, name: str) -> str | None:
        """The field's text, or None when absent or left empty."""
        text = self.raw.get(name, "")
        return text or None

    def required(self, name: str) -> str | None:
        text = self.value(name)
        if text is None:
            self.problem(name, f"is missing ({FIELD_HELP[name]})")
        return text

    def one_of(self, name: str, text: str | None, allowed: tuple[str, ...], *, upper=False):
        if text is None:
            return None
        value = text.upper() if upper else text.lower()
        if value not in allowed:
            self.problem(name, f"{text!r} is not allowed (allowed: {', '.join(allowed)})")
            return None
        return value

    def date(self, name: str, text: str | None, *, end_of_day: bool = False):
        if text is None:
            return None
        try:
            value = parse_iso_date(text)
        except ValueError:
            self.problem(name, f"cannot parse {text!r} ({DATE_FORMAT_HELP})")
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            self.problem(
                name, f"{text!r} is out of range (a year from {FIRST_YEAR} to {LAST_YEAR})"
            )
            return None
        if end_of_day and len(text.strip()) == 10:
            value = value.replace(hour=23, minute=59, second=59)
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value

    def absolute_url(self, name: str, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            parts = urlsplit(text)
            host = parts.hostname
        except ValueError:
            host = None
        if not host or parts.scheme not in ("http", "https") or any(c.isspace() for c in text):
            self.problem(name, f"{text!r} is not an absolute URL (expected https://…)")
            return None
        return text

    def country(self, name: str, code: str) -> str | None:
        value = code.strip().upper()
        if (
            len(value) == 2
            and code.strip().isascii()
            and value.isalpha()
            and pycountry.countries.get(alpha_2=value)
        ):
            return value
        hint = f"; did you mean {_CODE_HINTS[value]}?" if value in _CODE_HINTS else ""
        self.problem(
            name,
            f"{code.strip()!r} is not an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US){hint}",
        )
        return None

    def amount(self, name: str) -> Decimal | None:
        text = self.value(name)
        if text is None:
            return None
        if not _NUMBER.match(text):
            self.problem(name, f"{text!r} is not a number (write it plainly, e.g. 55000 or 32.50)")
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already guards this
            self.problem(name, f"{text!r} is not a number")
            return None
        if amount <= 0:
            self.problem(name, f"{text!r} must be more than 0")
            return None
        return amount

    # -- the fields -----------------------------------------------------------------

    def run(self) -> ParseResult:
        if not self.raw:
            self.problem(
                "file",
                "has no metadata lines at the top (expected 'Title: …', 'Ref: …' and "
                "the other fields, then a blank line, then the description)",
            )
            return ParseResult(None, self.problems, self.warnings)
        self.check_unknown_fields()
        title = self.required("title")
        slug = self.parse_slug(title)
        ref = self.parse_ref()
        status = self.one_of("status", self.required("status"), STATUSES)
        posted, modified, valid_through = self.parse_dates()
        company, confidential, company_url = self.parse_employer()
        types = self.parse_employment_types()
        work_mode = self.one_of("work_mode", self.required("work_mode"), WORK_MODES)
        locations = self.parse_locations(work_mode)
        countries = self.parse_applicant_countries(work_mode)
        salary = self.parse_salary()
        category = self.parse_category()
        tags = self.parse_tags()
        summary = self.required("summary")
        apply_url = self.absolute_url("apply_url", self.value("apply_url"))
        apply_email = self.parse_email()
        self.check_can_apply(status)
        if not self.description:
            self.problem(
                "description",
                "the job description (the Markdown text under the metadata) is empty",
            )
        if self.problems:
            return ParseResult(None, self.problems, self.warnings)
        opening = Opening(
            source_path=self.source_path,
            title=title,
            slug=slug,
            ref=ref,
            status=status,
            date=posted,
            modified=modified,
            valid_through=valid_through,
            company=company,
            confidential=confidential,
            company_url=company_url,
            employment_types=types,
            work_mode=work_mode,
            locations=locations,
            applicant_countries=countries,
            salary=salary,
            category=category,
            category_slug=self._category_slug(category),
            tags=tags,
            summary=summary,
            apply_url=apply_url,
            apply_email=apply_email,
            description=self.description,
        )
        return ParseResult(opening, self.problems, self.warnings)

    def check_unknown_fields(self) -> None:
        for name in self.raw:
            if name in FIELD_HELP:
                continue
            close = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.problem(name, f"unknown field{hint} (allowed: {', '.join(FIELDS)})")

    def parse_slug(self, title: str | None) -> str | None:
        text = self.value("slug")
        if text is None:
            if not title:
                return None
            made = re.sub(r"[^a-z0-9]+", "-", self.slugify(title).lower()).strip("-")
            if not made:
                self.problem(
                    "slug",
                    f"cannot be made from the title {title!r}; add one (lowercase letters, "
                    "digits and hyphens, e.g. senior-platform-engineer)",
                )
                return None
            text = made
        elif not _SLUG.match(text):
            self.problem(
                "slug",
                f"{text!r} is not a valid slug (lowercase letters, digits and single "
                "hyphens, e.g. senior-platform-engineer)",
            )
            return None
        if text in self.reserved:
            self.problem(
                "slug",
                f"{text!r} is reserved for a filter page (reserved: "
                f"{', '.join(sorted(self.reserved))})",
            )
            return None
        return text

    def parse_ref(self) -> str | None:
        text = self.required("ref")
        if text is None:
            return None
        if len(text) > MAX_REF_LENGTH:
            self.problem(
                "ref",
                f"is {len(text)} characters long (at most {MAX_REF_LENGTH} allowed)",
            )
            return None
        if not _REF.match(text):
            self.problem("ref", f"{text!r} may only contain letters, digits, '.', '_' and '-'")
            return None
        return text

    def parse_dates(self):
        posted = self.date("date", self.required("date"))
        modified = self.date("modified", self.value("modified"))
        valid_through = self.date("valid_through", self.value("valid_through"), end_of_day=True)
        if posted and valid_through and valid_through < posted:
            self.problem(
                "valid_through",
                f"{valid_through.date().isoformat()} is before date "
                f"{posted.date().isoformat()} (the role cannot close before it is posted)",
            )
        if posted and modified and modified < posted:
            self.problem(
                "modified",
                f"{modified.date().isoformat()} is before date {posted.date().isoformat()}",
            )
        if posted and posted.date() > self.today:
            self.warn(
                "date",
                f"{posted.date().isoformat()} is in the future (today is {self.today.isoformat()})",
            )
        return posted, modified, valid_through

    def parse_employer(self):
        text = self.value("confidential")
        confidential = False
        if text is not None:
            if text.lower() in _TRUE:
                confidential = True
            elif text.lower() not in _FALSE:
                self.problem("confidential", f"{text!r} is not allowed (allowed: true, false)")
        company = self.value("company")
        company_url = self.absolute_url("company_url", self.value("company_url"))
        if confidential:
            for name, value in (("company", company), ("company_url", company_url)):
                if value:
                    self.problem(
                        name,
                        "must be left out for a confidential client (confidential: true), "
                        "so the employer's name cannot leak onto the site",
                    )
            return None, True, None
        if company is None:
            self.problem("company", "is missing (the employer's name, or confidential: true)")
        return company, False, company_url

    def parse_employment_types(self) -> tuple[str, ...]:
        text = self.required("employment_type")
        if text is None:
            return ()
        types: list[str] = []
        for part in text.split(","):
            value = self.one_of("employment_type", part.strip(), EMPLOYMENT_TYPES, upper=True)
            if value and value not in types:
                types.append(value)
        return tuple(types)

    def parse_locations(self, work_mode: str | None) -> tuple[Location, ...]:
        text = self.value("location")
        if text is None:
            if work_mode in ("onsite", "hybrid"):
                self.problem(
                    "location",
                    f"is missing ({work_mode} roles need 'City, Region, CC' with an "
                    "ISO 3166-1 alpha-2 country code; several separated by ';')",
                )
            return ()
        locations = []
        for part in text.split(";"):
            pieces = [piece.strip() for piece in part.split(",")]
            if len(pieces) != 3 or not all(pieces):
                self.problem(
                    "location",
                    f"{part.strip()!r} is not 'City, Region, CC' "
                    "(e.g. 'Leeds, West Yorkshire, GB')",
                )
                continue
            code = self.country("location", pieces[2])
            if code:
                locations.append(Location(pieces[0], pieces[1], code))
        return tuple(locations)

    def parse_applicant_countries(self, work_mode: str | None) -> tuple[str, ...]:
        text = self.value("applicant_countries")
        if text is None:
            if work_mode == "remote":
                self.warn(
                    "applicant_countries",
                    "a remote role without applicant_countries is shown as open to "
                    "candidates anywhere (add comma-separated country codes, e.g. GB, IE)",
                )
            return ()
        if work_mode and work_mode != "remote":
            self.problem(
                "applicant_countries",
                f"only applies to remote roles (work_mode is {work_mode}; use location instead)",
            )
            return ()
        codes: list[str] = []
        for part in text.split(","):
            code = self.country("applicant_countries", part)
            if code and code not in codes:
                codes.append(code)
        return tuple(codes)

    def parse_salary(self) -> Salary | None:
        minimum = self.amount("salary_min")
        maximum = self.amount("salary_max")
        given_amount = self.value("salary_min") or self.value("salary_max")
        currency_text = self.value("salary_currency")
        unit_text = self.value("salary_unit")
        if not given_amount:
            for name, value in (("salary_currency", currency_text), ("salary_unit", unit_text)):
                if value:
                    self.problem(name, "is given without salary_min or salary_max")
            return None
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem("salary_min", f"{minimum} is more than salary_max {maximum}")
        currency = None
        if currency_text is None:
            self.problem(
                "salary_currency",
                "is missing (an ISO 4217 code such as GBP, EUR, USD; needed when a "
                "salary is given)",
            )
        elif (
            pycountry.currencies.get(alpha_3=currency_text.upper()) is None
            or len(currency_text) != 3
        ):
            self.problem(
                "salary_currency",
                f"{currency_text!r} is not an ISO 4217 currency code (e.g. GBP, EUR, USD)",
            )
        else:
            currency = currency_text.upper()
        if unit_text is None:
            self.problem(
                "salary_unit",
                f"is missing (allowed: {', '.join(SALARY_UNITS)}; needed when a salary is given)",
            )
        unit = self.one_of("salary_unit", unit_text, SALARY_UNITS, upper=True)
        if currency is None or unit is None or (minimum is None and maximum is None):
            return None
        return Salary(minimum, maximum, currency, unit)

    def _category_slug(self, category: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.slugify(category).lower()).strip("-")

    def parse_category(self) -> str | None:
        category = self.required("category")
        if category is not None and not self._category_slug(category):
            self.problem(
                "category",
                f"{category!r} needs at least one letter or digit (it names the "
                "category's filter page and feed)",
            )
            return None
        return category

    def parse_tags(self) -> tuple[str, ...]:
        text = self.value("tags")
        if text is None:
            return ()
        tags: list[str] = []
        for part in text.split(","):
            tag = part.strip()
            if tag and tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
        return tuple(tags)

    def parse_email(self) -> str | None:
        text = self.value("apply_email")
        if text is None:
            return None
        if text.lower().startswith("mailto:"):
            text = text[len("mailto:") :]
        if not _EMAIL.match(text):
            self.problem("apply_email", f"{text!r} is not an email address")
            return None
        return text

    def check_can_apply(self, status: str | None) -> None:
        if status != "open":
            return
        if self.value("apply_url") is None and self.value("apply_email") is None:
            self.problem(
                "apply_url",
                "an open role needs apply_url or apply_email (how candidates apply)",
            )
