"""Run Pelican builds in a fresh process, the way its command line does; report as JSON.

``python pelican_run.py SPEC.json``: SPEC holds ``builds`` (each a settings file and
overrides, run one after the other in this process) and ``report`` (where to write,
per build, its log lines at INFO and above and what plugins/fastbuild did). Used by
test_plain_pelican.py, so that no build there shares a process with the test run
(Pelican keeps plugins' receivers connected for the life of a process).
"""

from __future__ import annotations

import json
import logging
import sys


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(
            {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        )


def run_build(settings_file: str, overrides: dict) -> dict:
    from pelican import Pelican
    from pelican.settings import read_settings

    lines = _Lines()
    root = logging.getLogger()
    root.addHandler(lines)
    root.setLevel(logging.INFO)
    try:
        settings = read_settings(settings_file, override=overrides)
        Pelican(settings).run()
    finally:
        root.removeHandler(lines)
    fastbuild = sys.modules.get("plugins.fastbuild")
    return {
        "lines": lines.lines,
        "fastbuild_stats": fastbuild.build_stats() if fastbuild else None,
        "fastbuild_settings": sorted(name for name in settings if name.startswith("FAST")),
    }


def main(spec_file: str) -> int:
    with open(spec_file, encoding="utf-8") as handle:
        spec = json.load(handle)
    from pelican import log

    log.console.quiet = True  # no "Done: ..." line on stdout
    reports = [run_build(build["settings"], build["overrides"]) for build in spec["builds"]]
    with open(spec["report"], "w", encoding="utf-8") as handle:
        json.dump(reports, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
