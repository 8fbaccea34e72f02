"""The author's reading stats: ``invoke stats [--days 30] [--json]`` and ``invoke stats-chart``.

Reads the daily aggregates of the audience database (audience/stats.py writes them):
views and visitors per post and page, apply clicks and apply rate per role, where
readers came from and which campaigns brought them, each against the period before.
Days are UTC days, the days the server counts in.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from audience.store import Store

WIDTH = 80
TOP_ROWS = 15
DEFAULT_CHART = Path("var") / "stats-chart.png"


# -- which page is which ------------------------------------------------------------------


@dataclass(frozen=True)
class PageKinds:
    """Tells posts, roles and other pages apart by the site's own URL settings."""

    post: re.Pattern
    role: re.Pattern
    not_roles: frozenset[str]  # filter and archive pages that share the roles' prefix

    def kind(self, path: str) -> str:
        relative = path.lstrip("/")
        if self.post.fullmatch(relative):
            return "post"
        found = self.role.fullmatch(relative)
        if found and found.group("slug") not in self.not_roles:
            return "role"
        return "page"

    @classmethod
    def from_settings(cls, settings: dict) -> PageKinds:
        from plugins.openings import settings as openings_settings
        from plugins.openings.facets import reserved_slugs

        settings = dict(settings)
        openings_settings.apply_defaults(settings)
        return cls(
            post=_url_pattern(settings.get("ARTICLE_URL") or "{slug}.html"),
            role=_url_pattern(settings["OPENING_URL"]),
            not_roles=frozenset(reserved_slugs(settings)),
        )


def _url_pattern(url: str) -> re.Pattern:
    parts = re.split(r"(\{\w+\})", url)
    pattern = "".join(
        "(?P<slug>[^/]+)"
        if part == "{slug}"
        else "[^/]+"
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(pattern)


def site_page_kinds() -> PageKinds:
    from pelican.settings import read_settings

    from sitekit.audience.server import ROOT

    return PageKinds.from_settings(read_settings(str(ROOT / "pelicanconf.py")))


# -- the report, as data ---------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date

    @classmethod
    def ending(cls, last: datetime.date, days: int) -> Period:
        return cls(last - datetime.timedelta(days=days - 1), last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> Period:
        return Period.ending(self.first - datetime.timedelta(days=1), self.days)

    def each_day(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range(self.days)]


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def build_report(store: Store, period: Period, kinds: PageKinds) -> dict:
    """Everything ``invoke stats`` shows, as one JSON-ready document."""
    previous = period.before()
    now = {row.path: row for row in store.page_totals(period.first, period.last)}
    before = {row.path: row for row in store.page_totals(previous.first, previous.last)}
    pages, roles = [], []
    for path, row in now.items():
        kind = kinds.kind(path)
        earlier = before.get(path)
        entry = {
            "path": path,
            "kind": kind,
            "views": row.views,
            "visitors": row.visitors,
            "previous_views": earlier.views if earlier else 0,
        }
        if kind == "role":
            entry["apply_clicks"] = row.apply_clicks
            entry["apply_rate"] = (
                round(row.apply_clicks / row.visitors, 4) if row.visitors else None
            )
            roles.append(entry)
        else:
            pages.append(entry)
    earlier_sources = dict(store.source_totals(previous.first, previous.last))
    return {
        "period": {
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "days": period.days,
            "timezone": "UTC",
        },
        "totals": {
            **_totals(store, period),
            "previous": _totals(store, previous),
        },
        "pages": _by_views(pages),
        "roles": _by_views(roles),
        "referrers": [
            {"source": source, "views": views, "previous_views": earlier_sources.get(source, 0)}
            for source, views in store.source_totals(period.first, period.last)
        ],
        "campaigns": [
            {"source": source, "campaign": campaign, "views": views}
            for source, campaign, views in store.campaign_totals(period.first, period.last)
        ],
    }


def _totals(store: Store, period: Period) -> dict:
    days = store.daily_totals(period.first, period.last)
    return {
        "views": sum(day.views for day in days),
        "visitors": sum(day.visitors for day in days),
        "apply_clicks": sum(day.apply_clicks for day in days),
    }


def _by_views(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (-row["views"], -row["visitors"], row["path"]))


# -- the report, as text -----------------------------------------------------------------


def trend(now: int, before: int) -> str:
    """``+12%``, ``−5%``, ``new`` (nothing before), ``–`` (nothing either time)."""
    if not before:
        return "new" if now else "–"
    change = round((now - before) / before * 100)
    return f"+{change}%" if change > 0 else f"−{-change}%" if change < 0 else "±0%"


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    value: Callable[[dict], str]


def _table(title: str, first: Column, others: Iterable[Column], rows: list[dict]) -> list[str]:
    """A table fitting WIDTH: the first column takes what the number columns leave."""
    others = list(others)
    first_width = WIDTH - sum(c.width + 2 for c in others)
    lines = ["", _cells(title, first_width, [(c.title, c.width) for c in others])]
    for row in rows[:TOP_ROWS]:
        lines.append(
            _cells(first.value(row), first_width, [(c.value(row), c.width) for c in others])
        )
    if len(rows) > TOP_ROWS:
        lines.append(f"  … and {len(rows) - TOP_ROWS} more (invoke stats --json lists all)")
    if not rows:
        lines.append("  nothing counted")
    return lines


def _cells(first: str, first_width: int, cells: list[tuple[str, int]]) -> str:
    if len(first) > first_width:
        first = first[: first_width - 1] + "…"
    return (first.ljust(first_width) + "".join("  " + t.rjust(w) for t, w in cells)).rstrip()


def _number(value: int) -> str:
    return f"{value:,}"


def format_report(report: dict) -> str:
    period, totals = report["period"], report["totals"]
    first = datetime.date.fromisoformat(period["from"])
    last = datetime.date.fromisoformat(period["to"])
    previous = totals["previous"]
    lines = [
        f"Reading stats, {_day(first)} to {_day(last)} ({period['days']} days, UTC days)",
        "",
        _cells("", 30, [("views", 9), ("visitors", 9), ("apply clicks", 12)]),
    ]
    for label, values in (("This period", totals), (f"The {period['days']} days before", previous)):
        lines.append(
            _cells(
                label,
                30,
                [
                    (_number(values["views"]), 9),
                    (_number(values["visitors"]), 9),
                    (_number(values["apply_clicks"]), 12),
                ],
            )
        )
    lines.append(
        _cells(
            "Trend",
            30,
            [
                (trend(totals["views"], previous["views"]), 9),
                (trend(totals["visitors"], previous["visitors"]), 9),
                (trend(totals["apply_clicks"], previous["apply_clicks"]), 12),
            ],
        )
    )
    path = Column("", 0, lambda row: row["path"])
    views = Column("views", 7, lambda row: _number(row["views"]))
    visitors = Column("visitors", 8, lambda row: _number(row["visitors"]))
    change = Column("trend", 6, lambda row: trend(row["views"], row["previous_views"]))
    posts = [row for row in report["pages"] if row["kind"] == "post"]
    others = [row for row in report["pages"] if row["kind"] != "post"]
    lines += _table("Posts", path, (views, visitors, change), posts)
    lines += _table(
        "Roles",
        path,
        (
            views,
            visitors,
            Column("applies", 7, lambda row: _number(row["apply_clicks"])),
            Column("rate", 5, lambda row: _rate(row["apply_rate"])),
            change,
        ),
        report["roles"],
    )
    lines += _table("Other pages", path, (views, visitors, change), others)
    lines += _table(
        "Where readers came from",
        Column("", 0, lambda row: row["source"]),
        (views, change),
        report["referrers"],
    )
    lines += _table(
        "Campaigns (source / utm_campaign)",
        Column("", 0, lambda row: f"{row['source']} / {row['campaign']}"),
        (views,),
        report["campaigns"],
    )
    return "\n".join(lines)


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def report_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


# -- the chart ---------------------------------------------------------------------------------


def write_chart(store: Store, period: Period, target: Path) -> Path:
    """Daily views (bars) and apply clicks (line) as a PNG or SVG (by the file's suffix)."""
    import matplotlib  # only here: the build and the server never pay for it

    matplotlib.use("Agg")
    from matplotlib import dates, pyplot
    from matplotlib.ticker import MaxNLocator

    found = {day.day: day for day in store.daily_totals(period.first, period.last)}
    days = period.each_day()
    views = [found[d.isoformat()].views if d.isoformat() in found else 0 for d in days]
    clicks = [found[d.isoformat()].apply_clicks if d.isoformat() in found else 0 for d in days]
    figure, axis = pyplot.subplots(figsize=(8, 3.2), dpi=120, layout="constrained")
    axis.bar(days, views, color="#9db7d5", label="views")
    axis.set_ylabel("views")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    clicks_axis = axis.twinx()
    clicks_axis.plot(days, clicks, color="#b3541e", marker="o", markersize=3, label="apply clicks")
    clicks_axis.set_ylabel("apply clicks")
    clicks_axis.set_ylim(bottom=0, top=max(max(clicks), 1) * 1.2)
    clicks_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_title(
        f"Daily views and apply clicks, {_day(period.first)} to {_day(period.last)} (UTC)",
        fontsize=10,
    )
    axis.spines[["top"]].set_visible(False)
    clicks_axis.spines[["top"]].set_visible(False)
    locator = dates.AutoDateLocator(maxticks=10)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    handles = axis.get_legend_handles_labels()[0] + clicks_axis.get_legend_handles_labels()[0]
    axis.legend(handles=handles, loc="upper left", frameon=False, fontsize=8)
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if target.suffix.lower() == ".svg" else {}
    figure.savefig(target, metadata=metadata)
    pyplot.close(figure)
    return target
