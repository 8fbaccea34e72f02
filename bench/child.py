"""One build of this project, run in a fresh process by bench/run.py; prints JSON.

Builds exactly like ``invoke build`` (sitekit.build.build_site with pelicanconf.py),
pointed at the synthetic content and a given output and cache folder.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setting(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    return name, json.loads(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--content", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--load-cache", action="store_true", help="a warm rebuild")
    parser.add_argument("--today", default="2026-11-30", help="OPENINGS_TODAY")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=JSON", help="one more setting"
    )
    args = parser.parse_args(argv)

    sys.path[:0] = [str(ROOT)]
    from sitekit.build import build_site

    report = build_site(
        args.settings,
        {
            "PATH": args.content,
            "OUTPUT_PATH": args.output,
            "CACHE_PATH": args.cache,
            "LOAD_CONTENT_CACHE": args.load_cache,
            "CACHE_CONTENT": True,
            "COMMENTS_SNAPSHOT": False,
            "OPENINGS_TODAY": args.today,
            **dict(_setting(text) for text in args.set),
        },
    )
    stats = {}
    if "plugins.fastbuild" in sys.modules:
        stats = sys.modules["plugins.fastbuild"].build_stats()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "ok": report.ok,
                "problems": report.problems[:5] + report.errors[:5],
                "seconds_inside": round(report.seconds, 3),
                "fastbuild": stats,
                "worker_peak_rss_kb": workers.ru_maxrss,
            }
        )
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    code = main()
    from sitekit.build import exit_now  # ends like `invoke build` (python -m sitekit.build)

    exit_now(code)
