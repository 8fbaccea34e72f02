"""`invoke announce`: ready-to-paste texts announcing new roles on each network.

For every open role not announced yet (the refs announced are remembered in
``var/announce.json``), or opened since ``--since``, or the one ``--role`` names: a
LinkedIn post, an X post, a Mastodon post, a Bluesky post and an email blurb, each
within its network's length as that network counts it, each link tagged
``utm_source=<network>&utm_medium=social&utm_campaign=<ref>`` so the reading stats
tell which network brought the visits and applications. A role that is not open
(paused, filled, closed, expired) is never announced.

The roles are read from ``content/openings/`` with the openings plugin's own reader and
model, and the production settings (``publishconf.py``), so the links are the live ones.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import regex

ROOT = Path(__file__).resolve().parent.parent
STATE_FILE = ROOT / "var" / "announce.json"
NETWORKS = ("linkedin", "x", "mastodon", "bluesky", "email")
LIMITS = {"linkedin": 3000, "x": 280, "mastodon": 300, "bluesky": 300, "email": 2000}
X_URL_LENGTH = 23  # every link counts as 23 on X (t.co), and on Mastodon
_URL = re.compile(r"https?://\S+")
# twitter-text 3's weights: these ranges count 1, everything else 2 (an emoji: 2).
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


# -- counting the way each network counts ------------------------------------------


def x_length(text: str) -> int:
    """Length on X (twitter-text 3): links 23, Latin and common punctuation 1, others 2.

    Counted on the NFC text; an emoji sequence (one grapheme) counts 2 however many
    code points it has.
    """
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _x_weight(text[position : match.start()]) + X_URL_LENGTH
        position = match.end()
    return total + _x_weight(text[position:])


def _x_weight(text: str) -> int:
    total = 0
    for grapheme in regex.findall(r"\X", text):
        if _EMOJI.search(grapheme):
            total += 2
            continue
        for char in grapheme:
            point = ord(char)
            light = any(low <= point <= high for low, high in _X_LIGHT_RANGES)
            total += 1 if light else 2
    return total


def mastodon_length(text: str) -> int:
    """Mastodon's count: characters, with every link as 23."""
    return len(_URL.sub("x" * X_URL_LENGTH, text))


def bluesky_length(text: str) -> int:
    """Bluesky's count: graphemes (what a reader sees as one character), links in full."""
    return len(regex.findall(r"\X", text))


def plain_length(text: str) -> int:
    return len(text)


COUNTERS = {
    "linkedin": plain_length,
    "x": x_length,
    "mastodon": mastodon_length,
    "bluesky": bluesky_length,
    "email": plain_length,
}


# -- the texts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """What an announcement says about one open role."""

    ref: str
    slug: str
    title: str
    employer: str
    work_mode: str
    location: str
    employment_type: str
    salary: str | None
    category: str
    tags: tuple[str, ...]
    summary: str
    url: str
    date: datetime.datetime


def tracked_url(url: str, network: str, ref: str) -> str:
    """The role's link with the campaign parameters the stats report attributes by."""
    parts = urlsplit(url)
    query = urlencode({"utm_source": network, "utm_medium": "social", "utm_campaign": ref})
    query = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def hashtag(text: str) -> str:
    """'hiring managers' -> '#HiringManagers' (letters and digits only)."""
    words = regex.findall(r"[\p{L}\p{N}]+", text)
    return "#" + "".join(w[:1].upper() + w[1:] for w in words) if words else ""


def hashtags(role: Role) -> list[str]:
    seen: dict[str, str] = {}
    for text in ("hiring", role.category, *role.tags):
        tag = hashtag(text)
        if len(tag) > 1:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


def _where(role: Role) -> str:
    return f"{role.work_mode}, {role.location}" if role.location else role.work_mode


def _cut(text: str, limit: int, counter) -> str:
    """``text`` cut at a word so that it and "…" count at most ``limit``."""
    if counter(text) <= limit:
        return text
    words = text.split(" ")
    while len(words) > 1 and counter(" ".join(words) + "…") > limit:
        words.pop()
    kept = " ".join(words)
    while kept and counter(kept + "…") > limit:
        kept = kept[:-1]
    return kept.rstrip(" ,;:·–-") + "…"


def linkedin_text(role: Role) -> str:
    url = tracked_url(role.url, "linkedin", role.ref)
    terms = role.employment_type + (f" · {role.salary}" if role.salary else "")
    head = [
        f"I'm recruiting: {role.title} at {role.employer}",
        f"{_where(role)} · {terms}",
        "",
    ]
    tail = ["", f"Details and how to apply: {url}", "", " ".join(hashtags(role))]
    room = LIMITS["linkedin"] - len("\n".join(head + tail)) - 1
    return "\n".join([*head, _cut(role.summary, room, plain_length), *tail]).strip()


def short_text(role: Role, network: str) -> str:
    """One post for X, Mastodon or Bluesky: the richest version that fits."""
    counter, limit = COUNTERS[network], LIMITS[network]
    url = tracked_url(role.url, network, role.ref)
    tags = hashtags(role)
    salary = f" · {role.salary}" if role.salary else ""
    lead = f"Hiring: {role.title} at {role.employer}"
    versions = [
        f"{lead}\n{_where(role)} · {role.employment_type}{salary}\n{role.summary}\n{url}\n"
        + " ".join(tags[:3]),
        f"{lead}\n{_where(role)} · {role.employment_type}{salary}\n{url}\n" + " ".join(tags[:2]),
        f"{lead}\n{_where(role)}{salary}\n{url}",
        f"{lead}\n{url}",
    ]
    for text in versions:
        if counter(text) <= limit:
            return text
    room = limit - counter(f"\n{url}")
    return f"{_cut(lead, room, counter)}\n{url}"


def email_text(role: Role) -> str:
    """A blurb for a newsletter or a mail to a contact: a subject line, then the text."""
    url = tracked_url(role.url, "email", role.ref)
    terms = role.employment_type + (f", {role.salary}" if role.salary else "")
    title = _cut(role.title, 150, plain_length)
    head = [
        f"Subject: New role: {title} at {role.employer}",
        "",
        f"{_capital(role.employer)} is hiring: {title} ({_where(role)}; {terms}).",
    ]
    tail = ["", f"Read more and apply: {url}"]
    room = LIMITS["email"] - len("\n".join(head + tail)) - 1
    return "\n".join([*head, _cut(role.summary, room, plain_length), *tail])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def announcements(role: Role) -> dict[str, str]:
    return {
        "linkedin": linkedin_text(role),
        "x": short_text(role, "x"),
        "mastodon": short_text(role, "mastodon"),
        "bluesky": short_text(role, "bluesky"),
        "email": email_text(role),
    }


# -- which roles ----------------------------------------------------------------------


class AnnounceError(Exception):
    """Something the author must fix: one line, no traceback."""


def role_from_opening(opening, settings: dict) -> Role:
    from plugins.site_extras.urls import absolute_url as absolute

    location = opening.location_label
    if opening.is_remote:
        location = location.removeprefix("from ")
    return Role(
        ref=opening.ref,
        slug=opening.slug,
        title=opening.title,
        employer="a confidential client" if opening.confidential else opening.employer_name,
        work_mode=opening.work_mode_label,
        location=location,
        employment_type=opening.employment_type_label,
        salary=opening.salary.text if opening.salary else None,
        category=opening.category,
        tags=tuple(opening.tags),
        summary=" ".join(opening.summary.split()),
        url=absolute(settings, opening.url),
        date=opening.date,
    )


def read_openings(settings_file: Path) -> tuple[list, dict]:
    """Every valid role of the site (with its state today) and the settings; or an error."""
    from pelican.settings import read_settings

    from plugins.openings import settings as openings_settings
    from plugins.openings.facets import reserved_slugs
    from plugins.openings.generator import today_for_build
    from plugins.openings.model import parse_opening
    from plugins.openings.reader import OpeningReader, SourceFileProblem
    from plugins.site_extras import settings as extras_settings
    from plugins.strict_content.problems import display_path

    settings = read_settings(str(settings_file))
    openings_settings.apply_defaults(settings)
    extras_settings.apply_defaults(settings)
    today = today_for_build(settings)
    folder = Path(settings["PATH"]) / settings["OPENINGS_PATH"]
    reader = OpeningReader(settings)
    slug_subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    from pelican.utils import slugify

    problems, openings = [], []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = display_path(str(path))
        try:
            description, raw = reader.read(str(path))
        except SourceFileProblem as problem:
            problems.append(f"{shown}: file: {problem}")
            continue
        result = parse_opening(
            raw,
            description,
            source_path=shown,
            timezone=settings.get("TIMEZONE") or "UTC",
            today=today,
            slugify=lambda text: slugify(text, regex_subs=slug_subs),
            reserved_slugs=reserved_slugs(settings),
        )
        problems += [f"{shown}: {p.field}: {p.message}" for p in result.problems]
        if result.opening is not None:
            opening = result.opening
            openings.append((opening, opening.state_on(today)))
    if problems:
        raise AnnounceError("\n".join(problems))
    return openings, settings


def choose(openings: list, settings: dict, announced: set[str], since, slug: str | None):
    """The open roles to announce, oldest first; a named role that is not open is an error."""
    from dataclasses import replace

    roles = []
    for opening, state in openings:
        opening = replace(opening, url=settings["OPENING_URL"].format(slug=opening.slug))
        if slug is not None:
            if opening.slug != slug:
                continue
            if state != "open":
                raise AnnounceError(
                    f"{opening.source_path}: status: the role is {state}, and a role that is "
                    "not open is never announced"
                )
        elif (
            state != "open"
            or since is not None
            and opening.date.date() < since
            or since is None
            and opening.ref in announced
        ):
            continue
        roles.append(role_from_opening(opening, settings))
    if slug is not None and not roles:
        raise AnnounceError(f"--role: no role has the slug {slug!r}")
    return sorted(roles, key=lambda r: (r.date, r.ref))


def _new(opening, announced: set[str], since) -> bool:
    """Opened on or after ``since``; without it, not announced before."""
    if since is not None:
        return opening.date.date() >= since
    return opening.ref not in announced


def load_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"announced": {}}
    if not isinstance(data, dict) or not isinstance(data.get("announced"), dict):
        return {"announced": {}}
    return data


def save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def as_json(roles: list[Role]) -> list[dict]:
    result = []
    for role in roles:
        texts = announcements(role)
        result.append(
            {
                "ref": role.ref,
                "title": role.title,
                "url": role.url,
                "texts": {
                    network: {
                        "text": text,
                        "length": COUNTERS[network](text),
                        "limit": LIMITS[network],
                    }
                    for network, text in texts.items()
                },
            }
        )
    return result


def as_text(roles: list[Role]) -> str:
    blocks = []
    for role in roles:
        lines = [f"=== {role.title} ({role.ref}) ==="]
        for network, text in announcements(role).items():
            count = COUNTERS[network](text)
            lines += ["", f"--- {network} ({count}/{LIMITS[network]}) ---", text]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def main(argv: list[str] | None = None, out=sys.stdout, err=sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="invoke announce", description=__doc__.split("\n")[0])
    parser.add_argument("--since", help="roles opened on or after this day (YYYY-MM-DD)")
    parser.add_argument("--role", help="only the role with this slug")
    parser.add_argument("--json", action="store_true", help="JSON for scripts")
    parser.add_argument("--settings", default=str(ROOT / "publishconf.py"))
    parser.add_argument("--state", default=str(STATE_FILE))
    args = parser.parse_args(argv)
    since = None
    if args.since:
        try:
            since = datetime.date.fromisoformat(args.since)
        except ValueError:
            print(f"error: --since: {args.since!r} is not a date (YYYY-MM-DD)", file=err)
            return 2
    state_path = Path(args.state)
    state = load_state(state_path)
    try:
        openings, settings = read_openings(Path(args.settings))
        roles = choose(openings, settings, set(state["announced"]), since, args.role)
    except AnnounceError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=err)
        return 1
    if args.json:
        print(json.dumps(as_json(roles), ensure_ascii=False, indent=1), file=out)
    elif roles:
        print(as_text(roles), file=out)
    else:
        print("No new open roles to announce (--since DATE or --role SLUG shows others).", file=out)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    for role in roles:
        state["announced"].setdefault(role.ref, now)
    if roles:
        save_state(state_path, state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
