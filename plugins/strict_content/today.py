"""The build's "today": one value every plugin compares dates with.

``BUILD_TODAY`` (YYYY-MM-DD) pins it, for reproducible builds and tests; unset, it is
today's date in ``TIMEZONE``. A plugin may name its own setting first (openings has
``OPENINGS_TODAY``), which then wins over ``BUILD_TODAY``.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from . import problems


def build_today(settings: dict, *names: str) -> datetime.date:
    for name in (*names, "BUILD_TODAY"):
        value = settings.get(name)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value:
            try:
                return datetime.date.fromisoformat(str(value).strip())
            except ValueError:
                problems.report("settings", name, f"cannot parse {value!r} (expected YYYY-MM-DD)")
    return datetime.datetime.now(ZoneInfo(settings.get("TIMEZONE") or "UTC")).date()
