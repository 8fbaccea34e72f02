"""Approved live comments from the Isso server's public API, for the static page.

One ``POST <server>/count`` says how many approved comments every thread has; only the
threads that have any are then read (``GET <server>/?uri=<thread>``: accepted comments
and placeholders of deleted ones that still have replies, never the moderation queue),
a few at a time, each worker over one kept-alive connection. Every request has its own
deadline; a thread that cannot be read leaves the others in the snapshot (and says so),
an unreachable server costs one deadline, and a malformed answer means no snapshot.
"""

from __future__ import annotations

import datetime
import http.client
import json
import queue
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from markupsafe import Markup

from . import sanitize
from .model import Comment, thread

ACCEPTED, DELETED_WITH_REPLIES = 1, 4
USER_AGENT = "recruiter-site-build (comment snapshot)"
# Threads read at once: a few connections, not a burst, on a small comment server.
WORKERS = 4


@dataclass
class Snapshot:
    """Threaded live comments per Isso thread URI; ``error`` says why there are none,
    ``incomplete`` why some threads are missing (the others are kept)."""

    by_uri: dict[str, list[Comment]] = field(default_factory=dict)
    error: str | None = None
    incomplete: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class SnapshotUnavailable(Exception):
    pass


class MalformedAnswer(SnapshotUnavailable):
    """The server answered, but not with Isso's JSON: trust none of it."""


def fetch_snapshot(
    server_url: str,
    uris: Iterable[str],
    tz: datetime.tzinfo,
    timeout: float = 4.0,
    workers: int = WORKERS,
) -> Snapshot:
    """Every commented thread, each request within ``timeout`` seconds (see above)."""
    uris = list(dict.fromkeys(uris))
    if not uris:
        return Snapshot()
    try:
        server = _Server.parse(server_url)
    except ValueError:
        return Snapshot(error=f"{server_url} is not an http(s) address")
    [(_, counts)] = list(_run(server, [uris], _fetch_counts, 1, timeout)) or [(None, None)]
    if counts is None:
        counts = SnapshotUnavailable(f"no answer from {server_url} within {timeout:g} s")
    if isinstance(counts, Exception):
        return Snapshot(error=str(_explain(server_url, counts, timeout)))
    commented = [uri for uri, count in zip(uris, counts, strict=True) if count > 0]
    fetched: dict[str, dict] = {}
    problem = None
    for uri, outcome in _run(server, commented, _fetch_thread, workers, timeout):
        if isinstance(outcome, Exception) or outcome is None:
            problem = outcome or SnapshotUnavailable(
                f"no answer from {server_url} within {timeout:g} s"
            )
            if isinstance(problem, MalformedAnswer | ValueError):
                return Snapshot(error=str(_explain(server_url, problem, timeout)))
            break  # the server stopped answering: keep what came, ask no more
        fetched[uri] = outcome
    by_uri = {uri: threaded_comments(data, tz) for uri, data in fetched.items()}
    if problem is None:
        return Snapshot(by_uri=by_uri)
    missing = len(commented) - len(fetched)
    reason = _explain(server_url, problem, timeout)
    return Snapshot(
        by_uri=by_uri,
        incomplete=f"{missing} of {len(commented)} commented threads missing: {reason}",
    )


@dataclass(frozen=True)
class _Server:
    scheme: str
    host: str
    port: int | None
    path: str  # the API's prefix, without a trailing slash

    @classmethod
    def parse(cls, url: str) -> _Server:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(url)
        return cls(parts.scheme, parts.hostname, parts.port, parts.path.rstrip("/"))

    def connect(self, timeout: float) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return kind(self.host, self.port, timeout=timeout)


def _run(
    server: _Server,
    jobs: list,
    work: Callable[[http.client.HTTPConnection, _Server, object], object],
    workers: int,
    timeout: float,
) -> Iterator[tuple[object, object]]:
    """(job, result or exception) as they come; (None, None) once nothing came in time.

    Daemon threads: even a hung DNS lookup cannot hold up the build or its exit. Leaving
    the loop early stops the workers after the request each one is in.
    """
    todo: queue.SimpleQueue = queue.SimpleQueue()
    done: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    for job in jobs:
        todo.put(job)

    def worker() -> None:
        connection = server.connect(timeout)
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((job, work(connection, server, job)))
                except Exception as error:  # reported to the caller, which decides
                    done.put((job, error))
        finally:
            connection.close()

    for _ in range(min(workers, len(jobs))):
        threading.Thread(target=worker, daemon=True).start()
    try:
        for _ in jobs:
            try:
                yield done.get(timeout=timeout)
            except queue.Empty:
                yield None, None
                return
    finally:
        stop.set()


_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


def _request(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None
) -> tuple[int, bytes]:
    """One request on a kept-alive connection; once more on a fresh one if it was closed."""
    headers = dict(_HEADERS, **({"Content-Type": "application/json"} if body else {}))
    for attempt in (1, 2):
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _json(status: int, data: bytes):
    if status != 200:
        raise SnapshotUnavailable(f"answered HTTP {status}")
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise MalformedAnswer("did not answer with comment JSON") from error


def _fetch_counts(connection, server: _Server, uris: list[str]) -> list[int]:
    """Approved comments per thread, for every thread in one request (Isso's /count)."""
    counts = _json(*_request(connection, "POST", f"{server.path}/count", json.dumps(uris).encode()))
    if not (
        isinstance(counts, list)
        and len(counts) == len(uris)
        and all(type(n) is int and n >= 0 for n in counts)
    ):
        raise MalformedAnswer("did not answer with comment counts")
    return counts


def thread_path(server_path: str, uri: str) -> str:
    query = urllib.parse.urlencode({"uri": uri, "sort": "oldest"})
    return f"{server_path}/?{query}"


def _fetch_thread(connection, server: _Server, uri: str) -> dict:
    """One thread's public JSON; a thread nobody commented on yet is empty, not an error."""
    status, data = _request(connection, "GET", thread_path(server.path, uri))
    if status == 404:
        return {"replies": []}
    answer = _json(status, data)
    if not _is_thread(answer):
        raise MalformedAnswer("did not answer with comment JSON")
    return answer


def _is_thread(data) -> bool:
    """Isso's answer for one thread: an object whose replies (if any) are a list."""
    return isinstance(data, dict) and isinstance(data.get("replies", []) or [], list)


def _explain(server_url: str, error: BaseException, timeout: float) -> str:
    if isinstance(error, SnapshotUnavailable):
        text = str(error)
        return text if text.startswith(("no answer", server_url)) else f"{server_url} {text}"
    if isinstance(error, TimeoutError):
        return f"no answer from {server_url} within {timeout:g} s"
    if isinstance(error, OSError | http.client.HTTPException):
        return f"cannot reach {server_url} ({error})"
    if isinstance(error, ValueError):
        return f"{server_url} did not answer with comment JSON"
    return f"cannot read {server_url} ({type(error).__name__}: {error})"


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
