"""Benchmark of the counting endpoint: ``python -m bench.stats`` (``invoke bench-stats``).

50 concurrent clients send page-view beacons for 20 seconds to the real audience
server (gunicorn, ``audience.wsgi``, its production settings), each over a kept-alive
connection, as readers on 1,000 addresses with two browsers between them. Reported:
beacons accepted per second, p50/p95 latency, errors, and whether the database, after a
normal stop, holds exactly as many views as beacons were accepted.

Traffic goes to loopback only; the run is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.audience import free_port
from sitekit.audience.server import start_audience, stop_audience

RESULTS = Path(__file__).resolve().parent / "results" / "stats.json"
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
)
PATHS = [f"/posts/post-{n}/" for n in range(40)] + [f"/openings/role-{n}/" for n in range(10)]


@dataclass
class Tally:
    accepted: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def client(number: int, port: int, until: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        while time.monotonic() < until:
            sent += 1
            body = json.dumps(
                {
                    "p": PATHS[(number + sent) % len(PATHS)],
                    "r": "https://www.linkedin.com/" if sent % 5 == 0 else "",
                    "q": "?utm_source=newsletter&utm_campaign=december" if sent % 7 == 0 else "",
                }
            ).encode()
            address = f"10.{number}.{sent % 20}.1"
            request = (
                f"POST /count HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(body)}\r\n"
                f"User-Agent: {AGENTS[sent % 2]}\r\nX-Forwarded-For: {address}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - started)
            if status == 204:
                tally.accepted += 1
            else:
                tally.errors += 1
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally.errors += 1
    finally:
        writer.close()


async def load(port: int, clients: int, seconds: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(n, port, until, tally) for n in range(clients)))
    return tally


def run(clients: int, seconds: float, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        port = free_port()
        env = {
            "AUDIENCE_DB": str(tmp / "audience.db"),
            "AUDIENCE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "AUDIENCE_PROXY_COUNT": "1",
            "PATH": "/usr/bin:/bin",
        }
        server = start_audience(
            "127.0.0.1", port, env=env, log_path=tmp / "audience.log", workers=workers
        )
        try:
            started = time.monotonic()
            tally = asyncio.run(load(port, clients, seconds))
            elapsed = time.monotonic() - started
        finally:
            stop_audience(server)  # a normal stop: what is still in memory is written
        with sqlite3.connect(server.database) as con:
            stored = con.execute("SELECT COALESCE(SUM(views), 0) FROM site_days").fetchone()[0]
            tables = con.execute("SELECT COUNT(*) FROM page_days").fetchone()[0]
        latencies = sorted(tally.latencies)
        return {
            "clients": clients,
            "seconds": round(elapsed, 2),
            "workers": workers,
            "accepted": tally.accepted,
            "errors": tally.errors,
            "beacons_per_second": round(tally.accepted / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2) if latencies else None,
            "views_in_database": stored,
            "page_day_rows": tables,
            "database_matches": stored == tally.accepted,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 500 and 1 <= args.seconds <= 120):
        parser.error("--clients 1..500 and --seconds 1..120")
    result = run(args.clients, args.seconds, args.workers)
    rows = [
        ("concurrent clients, seconds", f"{result['clients']}, {result['seconds']}"),
        ("beacons accepted", f"{result['accepted']:,} ({result['beacons_per_second']:,}/s)"),
        ("latency p50 / p95", f"{result['p50_ms']} ms / {result['p95_ms']} ms"),
        ("errors", str(result["errors"])),
        ("views in the database after the stop", f"{result['views_in_database']:,}"),
    ]
    for name, value in rows:
        print(f"{name:<40} {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = result["errors"] == 0 and result["database_matches"]
    print("ok" if ok else "FAILED: errors, or the database does not hold every accepted beacon")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
