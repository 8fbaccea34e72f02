"""Views per page from the audience server (``GET <AUDIENCE_URL>/views``), for the build.

One request with one deadline, run in a daemon thread so that even a hung DNS lookup
cannot hold the build past it. Any failure means: no counts, and a reason to log.
"""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field

USER_AGENT = "recruiter-site-build (views snapshot)"


@dataclass(frozen=True)
class ViewCounts:
    """Views by page URL as the site writes it (``posts/<slug>/``); ``error`` says why none."""

    by_url: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def fetch_view_counts(server_url: str, timeout: float) -> ViewCounts:
    results: queue.Queue = queue.Queue()
    worker = threading.Thread(target=lambda: results.put(_fetch(server_url, timeout)), daemon=True)
    worker.start()
    try:
        return results.get(timeout=timeout)
    except queue.Empty:
        return ViewCounts(error=f"no answer from {server_url} within {timeout:g} s")


def _fetch(server_url: str, timeout: float) -> ViewCounts:
    request = urllib.request.Request(
        f"{server_url.rstrip('/')}/views",
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read(5_000_000).decode("utf-8"))
    except urllib.error.HTTPError as error:
        return ViewCounts(error=f"{server_url} answered HTTP {error.code}")
    except urllib.error.URLError as error:
        return ViewCounts(error=f"cannot reach {server_url} ({error.reason})")
    except TimeoutError:
        return ViewCounts(error=f"no answer from {server_url} within {timeout:g} s")
    except (OSError, ValueError) as error:
        return ViewCounts(error=f"cannot read {server_url} ({type(error).__name__}: {error})")
    views = data.get("views") if isinstance(data, dict) else None
    if not isinstance(views, dict):
        return ViewCounts(error=f"{server_url} did not answer with view counts")
    return ViewCounts(
        by_url={
            path.lstrip("/"): count
            for path, count in views.items()
            if isinstance(path, str) and isinstance(count, int) and not isinstance(count, bool)
        }
    )
