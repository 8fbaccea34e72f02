"""Approved live comments from the Isso server's public API, for the static page.

``GET <server>/?uri=<thread>`` returns only what anyone may read (accepted comments
and placeholders of deleted ones that still have replies), never the moderation queue.
The whole snapshot shares one deadline: an unreachable server costs a few seconds,
not a few seconds per article.
"""

from __future__ import annotations

import datetime
import json
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from . import sanitize
from .model import Comment, thread

ACCEPTED, DELETED_WITH_REPLIES = 1, 4
USER_AGENT = "recruiter-site-build (comment snapshot)"


@dataclass
class Snapshot:
    """Threaded live comments per Isso thread URI; ``error`` says why there are none."""

    by_uri: dict[str, list[Comment]] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class SnapshotUnavailable(Exception):
    pass


def fetch_snapshot(
    server_url: str,
    uris: Iterable[str],
    tz: datetime.tzinfo,
    timeout: float = 4.0,
) -> Snapshot:
    """Fetch every thread within ``timeout`` seconds in total, or none of them."""
    uris = list(dict.fromkeys(uris))
    results: queue.Queue = queue.Queue()
    # A daemon thread: even a hung DNS lookup cannot hold up the build or its exit.
    worker = threading.Thread(
        target=_fetch_all, args=(server_url, uris, timeout, results), daemon=True
    )
    worker.start()
    try:
        outcome = results.get(timeout=timeout)
    except queue.Empty:
        return Snapshot(error=f"no answer from {server_url} within {timeout:g} s")
    if isinstance(outcome, Exception):
        return Snapshot(error=str(outcome))
    if not all(_is_thread(data) for data in outcome.values()):
        return Snapshot(error=f"{server_url} did not answer with comment JSON")
    return Snapshot(by_uri={uri: threaded_comments(data, tz) for uri, data in outcome.items()})


def _is_thread(data) -> bool:
    """Isso's answer for one thread: an object whose replies (if any) are a list."""
    return isinstance(data, dict) and isinstance(data.get("replies", []) or [], list)


def _fetch_all(server_url: str, uris: list[str], timeout: float, results: queue.Queue) -> None:
    deadline = time.monotonic() + timeout
    fetched: dict[str, dict] = {}
    try:
        for uri in uris:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SnapshotUnavailable(f"no answer from {server_url} within {timeout:g} s")
            fetched[uri] = fetch_thread(server_url, uri, remaining)
    except Exception as error:  # any failure means: build without the snapshot
        results.put(_explain(server_url, error, timeout))
        return
    results.put(fetched)


def thread_url(server_url: str, uri: str) -> str:
    query = urllib.parse.urlencode({"uri": uri, "sort": "oldest"})
    return f"{server_url.rstrip('/')}/?{query}"


def fetch_thread(server_url: str, uri: str, timeout: float) -> dict:
    """One thread's public JSON; a thread nobody commented on yet is empty, not an error."""
    request = urllib.request.Request(
        thread_url(server_url, uri),
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return {"replies": []}
        raise


def _explain(server_url: str, error: Exception, timeout: float) -> SnapshotUnavailable:
    if isinstance(error, SnapshotUnavailable):
        return error
    reason = getattr(error, "reason", error)
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
        return SnapshotUnavailable(f"no answer from {server_url} within {timeout:g} s")
    if isinstance(error, urllib.error.HTTPError):
        return SnapshotUnavailable(f"{server_url} answered HTTP {error.code}")
    if isinstance(error, urllib.error.URLError):
        return SnapshotUnavailable(f"cannot reach {server_url} ({error.reason})")
    if isinstance(error, ValueError):
        return SnapshotUnavailable(f"{server_url} did not answer with comment JSON")
    return SnapshotUnavailable(f"cannot read {server_url} ({type(error).__name__}: {error})")


def threaded_comments(data: dict, tz: datetime.tzinfo) -> list[Comment]:
    """Isso's nested JSON -> our threaded ``Comment`` objects, sanitised like archived ones."""
    flat = [c for c in _flatten(data.get("replies") or [], tz) if c is not None]
    roots, _ = thread(flat, orphans="promote")
    return _drop_empty_placeholders(roots)


def _flatten(items: list[dict], tz: datetime.tzinfo) -> Iterable[Comment | None]:
    for item in items:
        if not isinstance(item, dict):  # any other shape is not a comment
            continue
        yield live_comment(item, tz)
        replies = item.get("replies") or []
        yield from _flatten(replies if isinstance(replies, list) else [], tz)


def live_comment(item: dict, tz: datetime.tzinfo) -> Comment | None:
    """One Isso comment, or None for anything that is not public (defence in depth)."""
    mode = item.get("mode")
    if mode not in (ACCEPTED, DELETED_WITH_REPLIES):
        return None
    try:
        created = datetime.datetime.fromtimestamp(float(item["created"]), tz)
        ident = int(item["id"])
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    parent = item.get("parent")
    deleted = mode == DELETED_WITH_REPLIES
    return Comment(
        name=f"isso-{ident}",
        anchor=f"isso-{ident}",
        author="" if deleted else (sanitize.author_name(_text(item, "author")) or "Anonymous"),
        date=created,
        html=Markup("") if deleted else sanitize.comment_html(_text(item, "text")),
        website=None if deleted else sanitize.website_url(_text(item, "website")),
        reply_to=f"isso-{int(parent)}" if isinstance(parent, int) else None,
        is_live=True,
        is_deleted=deleted,
    )


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _drop_empty_placeholders(comments: list[Comment]) -> list[Comment]:
    kept = []
    for comment in comments:
        comment.replies = _drop_empty_placeholders(comment.replies)
        if comment.is_deleted and not comment.replies:
            continue
        kept.append(comment)
    return kept
