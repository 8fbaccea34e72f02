"""Gate 7: the comment server as deployed (gunicorn, 4 workers, --preload, production.cfg)
under 50 concurrent readers and 5 writers for 20 seconds, driven from another process.

Pass/fail: no 5xx, no dropped connections, every accepted comment is in the database.
Requests per second and latency are printed and saved to output-reports/, never judged.
Isso's guard (2 comments a minute per reader network) would turn this into a rate
limit test, so the limits are raised for the run and each write comes from its own
network; refusals (403/429) are counted apart from errors all the same.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from sitekit.comments.moderation import approve_comment
from tests.quality.comment_server import gunicorn_isso
from tests.sitebuild import ROOT

READERS, WRITERS, SECONDS, WORKERS = 50, 5, 20, 4
THREADS = [f"/posts/load-{n}/" for n in range(8)]
SEED_COMMENTS_PER_THREAD = 3
LOAD_GUARD = {"guard": {"ratelimit": "100000", "direct-reply": "100000"}}
SEED_TIMEOUT = 15

pytestmark = [pytest.mark.server, pytest.mark.slow]


def post(url: str, uri: str, text: str, network: str) -> dict:
    body = json.dumps({"text": text, "author": "Seeder", "title": f"Thread {uri}"}).encode()
    request = urllib.request.Request(
        f"{url}/new?uri={uri}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": network},
    )
    with urllib.request.urlopen(request, timeout=SEED_TIMEOUT) as response:
        assert response.status in (201, 202)
        return json.loads(response.read())


def seed(url: str, database) -> None:
    """Approved comments for the readers to fetch (moderation stays on, as deployed).

    No retries: a worker that hangs on its first comment after the fork is a real defect
    (comments-server/isso_wsgi.py exists to prevent it).
    """
    for number, uri in enumerate(THREADS):
        for k in range(SEED_COMMENTS_PER_THREAD):
            network = f"10.200.{number}.{k}"
            seeded = post(url, uri, f"Seed comment {k} on {uri}", network)
            approve_comment(database, seeded["id"])


def test_comment_server_under_concurrent_readers_and_writers(tmp_path, capsys):
    with gunicorn_isso(tmp_path, "http://127.0.0.1:9", WORKERS, overrides=LOAD_GUARD) as isso:
        seed(isso.url, isso.database)
        command = [
            sys.executable, "-m", "tests.quality.loadgen", "--url", isso.url,
            "--readers", str(READERS), "--writers", str(WRITERS), "--seconds", str(SECONDS),
        ] + [arg for uri in THREADS for arg in ("--uri", uri)]  # fmt: skip
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 40
        )
        assert result.returncode == 0, result.stderr[-3000:]
        report = json.loads(result.stdout)
        assert isso.running, "the comment server died under load"
    with sqlite3.connect(isso.database) as db:
        stored = {row[0] for row in db.execute("SELECT id FROM comments")}

    summary = {k: v for k, v in report.items() if k not in ("accepted_ids", "failures")}
    summary["accepted"] = len(report["accepted_ids"])
    (ROOT / "output-reports").mkdir(exist_ok=True)
    (ROOT / "output-reports" / "comment-load.json").write_text(json.dumps(summary, indent=2))
    with capsys.disabled():
        print(
            f"\ncomment server load: {report['requests']} requests in {report['seconds']} s = "
            f"{report['requests_per_second']} req/s, p50 {report['p50_ms']} ms, "
            f"p95 {report['p95_ms']} ms, accepted {summary['accepted']}, "
            f"refused {report['rejected']}\n  {report['statuses']}"
        )

    assert report["server_errors"] == 0, report["statuses"]
    assert report["transport_errors"] == 0, report["failures"]
    assert report["still_running"] == 0
    assert report["accepted_ids"], f"no comment was accepted: {report['statuses']}"
    reads = sum(n for key, n in report["statuses"].items() if key.startswith(("thread ", "count ")))
    assert reads > READERS, report["statuses"]
    missing = sorted(set(report["accepted_ids"]) - stored)
    assert not missing, f"{len(missing)} accepted comment(s) not in the database: {missing[:10]}"
