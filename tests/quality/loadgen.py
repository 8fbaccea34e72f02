"""Load for the comment server, run as its own process: readers and writers in threads.

    python -m tests.quality.loadgen --url http://127.0.0.1:PORT --uri /posts/a/ ...

Readers fetch threads (``GET /?uri=``) and counts (``POST /count``) the way the
widget and the listing do; writers post comments (``POST /new``), each from its own
reader network (``X-Forwarded-For``, trusted from 127.0.0.1 as behind the proxy).
Prints one JSON report: status counts per kind, accepted comment ids, requests per
second and latency percentiles. Timing is reported, never judged, here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


@dataclass
class Tally:
    """Everything the threads observed; one lock, appended to in place."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> n
    latencies: list[float] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(self, kind: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            self.latencies.append(seconds)


def request(
    host: str, port: int, method: str, path: str, body: bytes | None = None, headers=None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def reader(host, port, uris, deadline, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        if rng.random() < 0.7:
            kind, method = "thread", "GET"
            path, body, headers = f"/?uri={quote(rng.choice(uris))}", None, {}
        else:
            kind, method, path = "count", "POST", "/count"
            body = json.dumps(rng.sample(uris, k=min(len(uris), 5))).encode()
            headers = {"Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            status, _ = request(host, port, method, path, body, headers)
        except OSError as error:
            status = f"transport error: {type(error).__name__}"
            with tally.lock:
                tally.failures.append(f"{kind}: {error}")
        tally.record(kind, status, time.perf_counter() - started)


def writer(host, port, uris, deadline, tally: Tally, number: int) -> None:
    rng = random.Random(1000 + number)
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        uri = rng.choice(uris)
        payload = {
            "text": f"Load test comment {sent} from writer {number}: staying in touch works.",
            "author": f"Writer {number}",
            "title": f"Thread {uri}",
        }
        headers = {
            "Content-Type": "application/json",
            # each writer is a different reader network (Isso limits per /24)
            "X-Forwarded-For": f"10.{number}.{sent % 250}.7",
        }
        started = time.perf_counter()
        try:
            status, body = request(
                host, port, "POST", f"/new?uri={quote(uri)}", json.dumps(payload).encode(), headers
            )
        except OSError as error:
            status, body = f"transport error: {type(error).__name__}", b""
            with tally.lock:
                tally.failures.append(f"new: {error}")
        tally.record("new", status, time.perf_counter() - started)
        if status in (201, 202):
            with tally.lock:
                tally.accepted.append(json.loads(body)["id"])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(url: str, uris: list[str], readers: int, writers: int, seconds: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=reader, args=(host, port, uris, deadline, tally, n), daemon=True)
        for n in range(readers)
    ] + [
        threading.Thread(target=writer, args=(host, port, uris, deadline, tally, n), daemon=True)
        for n in range(1, writers + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.monotonic() - started
    total = sum(tally.statuses.values())
    return {
        "seconds": round(elapsed, 2),
        "readers": readers,
        "writers": writers,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(tally.latencies, 0.95) * 1000, 1),
        "max_ms": round(max(tally.latencies, default=0) * 1000, 1),
        "statuses": {
            f"{kind} {status}": n for (kind, status), n in sorted(tally.statuses.items(), key=str)
        },
        "server_errors": sum(
            n for (_, s), n in tally.statuses.items() if isinstance(s, int) and s >= 500
        ),
        "transport_errors": sum(n for (_, s), n in tally.statuses.items() if isinstance(s, str)),
        "rejected": sum(n for (_, s), n in tally.statuses.items() if s in (403, 429)),
        "accepted_ids": sorted(tally.accepted),
        "failures": tally.failures[:20],
        "still_running": sum(thread.is_alive() for thread in threads),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--uri", action="append", required=True, help="a thread to read/write")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    report = run(args.url, args.uri, args.readers, args.writers, args.seconds)
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
