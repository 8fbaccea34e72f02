"""Benchmark of the build's live comment snapshot: ``python -m bench.comments_snapshot``.

The bench site's 1,000 posts, 100 of them with comments (five each, one a reply), in a
real Isso as deployed (gunicorn, comments-server/isso_wsgi.py, two workers) on
loopback. Timed: the snapshot as the build takes it (one ``POST /count``, then the
commented threads a few at a time over kept connections), and, for comparison, the
way it used to work (one ``GET`` per post, one after another). Loopback has no network
latency or TLS: over the internet each request costs more, which the snapshot pays
about ``commented threads / WORKERS`` times and the old way once per post.
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from plugins.comments import snapshot
from sitekit.comments.server import CONFIG_DIR, DEV_CONFIG, is_answering, write_config

POSTS, COMMENTED, PER_THREAD, REPEATS = 1000, 100, 5, 5


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: Path, uris: list[str]) -> None:
    """Approved comments made by Isso's own database code (a reply in every thread)."""
    from isso import config as isso_config
    from isso.db import SQLite3

    db = SQLite3(str(database), isso_config.load(isso_config.default_file()))
    now = time.time()
    for uri in uris:
        db.threads.new(uri, f"Thread {uri}")
        first = None
        for n in range(PER_THREAD):
            row = db.comments.add(
                uri,
                {
                    "text": f"<p>Comment {n} on {uri}: a few sentences of ordinary text.</p>",
                    "author": f"Reader {n}",
                    "mode": 1,
                    "remote_addr": "192.0.2.0",
                    "created": now - 3600 + n,
                    "parent": first if n == PER_THREAD - 1 else None,
                },
            )
            first = first or row["id"]


def one_by_one(url: str, uris: list[str]) -> int:
    """The old snapshot: every post's thread, one request after another."""
    found = 0
    for uri in uris:
        query = urllib.parse.urlencode({"uri": uri, "sort": "oldest"})
        try:
            with urllib.request.urlopen(f"{url}/?{query}", timeout=10) as response:
                response.read()
                found += 1
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
    return found


def main() -> int:
    uris = [f"/posts/bench-post-{n:04d}/" for n in range(POSTS)]
    commented = uris[:: POSTS // COMMENTED]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        config = write_config(
            DEV_CONFIG,
            folder / "isso.cfg",
            {
                "general": {"dbpath": str(folder / "comments.db"), "host": "http://127.0.0.1:9"},
                "server": {"listen": url, "public-endpoint": url},
            },
        )
        seed(folder / "comments.db", commented)
        env = {**os.environ, "ISSO_SETTINGS": str(config), "ISSO_ADMIN_PASSWORD": "bench"}
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--config", str(CONFIG_DIR / "gunicorn.conf.py"), "--pythonpath", str(CONFIG_DIR),
            "isso_wsgi:application",
        ]  # fmt: skip
        log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while not is_answering(url, timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    print((folder / "gunicorn.log").read_text()[-2000:], file=sys.stderr)
                    return 1
                time.sleep(0.05)  # polling interval while gunicorn boots
            tz = datetime.UTC
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                result = snapshot.fetch_snapshot(url, uris, tz, timeout=4.0)
                times.append(time.perf_counter() - started)
                assert result.ok and not result.incomplete, result
                assert len(result.by_uri) == COMMENTED
            started = time.perf_counter()
            assert one_by_one(url, uris) == POSTS
            old = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()
    print(f"{POSTS} posts, {COMMENTED} with {PER_THREAD} comments each; gunicorn Isso, loopback")
    print(
        f"snapshot (1 /count + {COMMENTED} threads, {snapshot.WORKERS} at a time): "
        f"median {statistics.median(times):.2f} s of {REPEATS} "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    print(f"one GET per post, one after another (before): {old:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
