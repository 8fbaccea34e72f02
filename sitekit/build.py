"""Build the site with Pelican and report problems the way an author can act on them.

Content problems come out as ``path: field: message`` lines, Pelican's own warnings
and errors as one line each; no traceback ever reaches the author.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BuildReport:
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    output_path: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def failed(self, fatal_warnings: bool = False) -> bool:
        return not self.ok or (fatal_warnings and bool(self.warnings))


class _Collector(logging.Handler):
    """Keeps every log line of the build, sorted by severity."""

    def __init__(self, report: BuildReport):
        super().__init__(level=logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage().strip().replace("\n", " ")
        except Exception:  # a malformed log call must not hide the build result
            message = str(record.msg)
        if record.levelno >= logging.ERROR:
            self.report.errors.append(message)
        elif record.levelno >= logging.WARNING:
            self.report.warnings.append(message)
        elif not record.name.startswith("pelican"):
            self.report.infos.append(message)


def build_site(
    settings_file: str | os.PathLike = ROOT / "pelicanconf.py",
    overrides: dict | None = None,
) -> BuildReport:
    """Run one Pelican build and return what happened; never raises for content problems."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from plugins.strict_content.problems import ContentProblems

    report = BuildReport()
    collector = _Collector(report)
    root_logger = logging.getLogger()
    previous_level = root_logger.level
    root_logger.addHandler(collector)
    root_logger.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        settings = read_settings(str(settings_file), override=dict(overrides or {}))
        report.output_path = settings["OUTPUT_PATH"]
        site = Pelican(settings)
        _quiet_console()
        site.run()
    except ContentProblems as problems:
        report.problems = [str(p) for p in problems.problems]
    except OSError as error:  # the disk, not the code: full, read-only, a file in the way
        report.errors.append(_file_system_error(error))
    finally:
        root_logger.removeHandler(collector)
        root_logger.setLevel(previous_level)
        report.seconds = time.perf_counter() - started
    return report


def _file_system_error(error: OSError) -> str:
    cause = error.__cause__ if isinstance(error.__cause__, OSError) else error
    path = cause.filename or getattr(error, "filename", None)
    where = os.path.relpath(path) if path else "a file"
    return f"could not write {where}: {cause.strerror or cause}"


def _quiet_console() -> None:
    """Pelican prints a 'Done: ...' line through rich; our summary replaces it."""
    from pelican import log

    log.console.quiet = True


TRACEBACK_VARIABLE = "SITEKIT_TRACEBACK"


def report_unexpected(what: str, error: BaseException, stream=sys.stderr) -> None:
    """An error that is not the author's: one line saying it is a bug, or the traceback.

    Content problems never come here (they are lines of their own); anything else is a
    bug in the code, and hiding its traceback would hide where it is.
    """
    if os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0"):
        traceback.print_exception(error, file=stream)
    print(f"error: {what} failed: {type(error).__name__}: {error}", file=stream)
    print(
        f"error: this is a bug, not a problem in your files; run again with --traceback "
        f"(or {TRACEBACK_VARIABLE}=1) to see where it happened",
        file=stream,
    )


def print_report(report: BuildReport, stream=sys.stderr) -> None:
    for line in report.problems:
        print(f"error: {line}", file=stream)
    for line in report.errors:
        print(f"error: {line}", file=stream)
    for line in report.warnings:
        print(f"warning: {line}", file=stream)
    for line in report.infos:
        print(f"info: {line}", file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--output", help="write the site here instead of OUTPUT_PATH")
    parser.add_argument(
        "--fatal-warnings", action="store_true", help="fail the build on any warning"
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback of an unexpected error"
    )
    args = parser.parse_args(argv)
    if args.traceback:
        os.environ[TRACEBACK_VARIABLE] = "1"
    overrides = {"OUTPUT_PATH": os.path.abspath(args.output)} if args.output else None
    try:
        report = build_site(args.settings, overrides)
    except Exception as error:  # last line of defence: a bug, said as one
        report_unexpected("build", error)
        return 2
    print_report(report)
    if report.failed(args.fatal_warnings):
        count = len(report.problems) + len(report.errors)
        if args.fatal_warnings:
            count += len(report.warnings)
        print(f"Build failed: {count} problem(s); nothing was written.", file=sys.stderr)
        return 1
    rel = os.path.relpath(report.output_path)
    print(f"Built {rel}/ in {report.seconds:.2f} s.", file=sys.stderr)
    return 0


def exit_now(code: int) -> None:
    """End a one-build process without taking the site model apart object by object.

    Everything the build wrote is closed and Pelican's caches are saved by then;
    freeing a thousand posts' worth of objects at interpreter exit only costs time
    (about half a second at 1,000 posts), so the process just ends.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
