"""`invoke regenerate`: rebuild whenever a source, the theme or the settings change."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitekit.build import ROOT, build_site, print_report

WATCHED = ("content", "theme", "pelicanconf.py", "publishconf.py")


def rebuild(settings_file: str) -> bool:
    report = build_site(settings_file, {"LOAD_CONTENT_CACHE": True})
    print_report(report)
    print("build failed" if report.failed() else f"built in {report.seconds:.2f} s", flush=True)
    return not report.failed()


def main(argv: list[str] | None = None) -> int:
    from watchfiles import watch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    args = parser.parse_args(argv)
    rebuild(args.settings)
    paths = [Path(ROOT, name) for name in WATCHED if Path(ROOT, name).exists()]
    print("watching content/, theme/ and settings (Ctrl-C to stop)", flush=True)
    try:
        for _changes in watch(*paths):
            rebuild(args.settings)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
