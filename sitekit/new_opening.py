"""`invoke new-opening "Title"`: a new opening with every field and its allowed values.

The skeleton builds cleanly as it is: it starts as a paused, confidential role (its
page exists but is not listed, fed or indexed) until the author fills it in and
sets ``Status: open``.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from plugins.openings.model import FIELD_HELP, MAX_REF_LENGTH

ROOT = Path(__file__).resolve().parent.parent

# Field -> starting value. Empty optional fields are ignored by the build.
STARTING_VALUES = {
    "title": "{title}",
    "slug": "{slug}",
    "ref": "{ref}",
    "status": "paused",
    "date": "{date}",
    "modified": "",
    "valid_through": "",
    "company": "",
    "confidential": "true",
    "company_url": "",
    "employment_type": "FULL_TIME",
    "work_mode": "remote",
    "location": "",
    "applicant_countries": "GB",
    "salary_min": "",
    "salary_max": "",
    "salary_currency": "",
    "salary_unit": "",
    "category": "Engineering",
    "tags": "",
    "summary": "One or two sentences about the role for the listing, feeds and search.",
    "apply_url": "",
    "apply_email": "",
}
HEADER = """\
# A new opening. Lines starting with # are comments (only here, above the first
# blank line). Fill in the fields, write the description below, then set
# Status: open. Empty optional fields are ignored. It starts paused (not listed)
# and confidential (no employer shown): name the client with company and
# confidential: false when you may.
"""
BODY = """
Describe the employer and the team in a sentence or two.

## What you would do

- The main things the person will work on.

## What helps

The experience that matters, and what does not.

## The practical bits

Hours, office days, holiday, anything a candidate asks on the first call.

## How the process works

The steps from first call to offer, and how quickly candidates hear back.
"""
_NUMBERED_REF = re.compile(r"^(?P<prefix>[A-Za-z]+)-(?P<year>\d{4})-(?P<number>\d+)$")


def slug_for(title: str) -> str:
    """The slug Pelican itself would derive from the title."""
    return slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def next_ref(openings_dir: Path, slug: str, today: datetime.date) -> str:
    """Continue the folder's PREFIX-YEAR-NNN numbering, or make a ref from date and slug."""
    prefix, highest = None, 0
    for source in sorted(Path(openings_dir).glob("*.md")):
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            if not line.strip():
                break
            name, _, value = line.partition(":")
            match = _NUMBERED_REF.match(value.strip()) if name.strip().lower() == "ref" else None
            if match:
                prefix = prefix or match["prefix"]
                if match["prefix"] == prefix and int(match["year"]) == today.year:
                    highest = max(highest, int(match["number"]))
    if prefix:
        return f"{prefix}-{today.year}-{highest + 1:03d}"
    return f"{today:%Y%m%d}-{slug}"[:MAX_REF_LENGTH].rstrip("-")


def render_skeleton(title: str, slug: str, ref: str, today: datetime.date) -> str:
    lines = [HEADER.rstrip("\n")]
    for name, help_text in FIELD_HELP.items():
        value = STARTING_VALUES[name].format(
            title=title, slug=slug, ref=ref, date=today.isoformat()
        )
        lines.append(f"# {name}: {help_text}")
        lines.append(f"{name.capitalize()}: {value}".rstrip())
    return "\n".join(lines) + "\n" + BODY


def write_new_opening(
    openings_dir: Path,
    title: str,
    today: datetime.date | None = None,
    timezone: str = "Europe/London",
) -> Path:
    """Write <slug>.md and return its path; refuses to overwrite an existing opening."""
    title = " ".join(title.split())
    if not title:
        raise SystemExit("error: new-opening: title: is empty")
    slug = slug_for(title)
    if not slug:
        raise SystemExit(f"error: new-opening: title: {title!r} gives an empty slug")
    today = today or datetime.datetime.now(ZoneInfo(timezone)).date()
    path = Path(openings_dir) / f"{slug}.md"
    if path.exists():
        raise SystemExit(f"error: {path}: slug: {slug!r} already exists; choose another title")
    path.parent.mkdir(parents=True, exist_ok=True)
    ref = next_ref(path.parent, slug, today)
    path.write_text(render_skeleton(title, slug, ref, today), encoding="utf-8")
    return path
