"""Command line for publishing: ``python -m sitekit.publish [rollback] [--dry-run]``.

Problems come out one per line on stderr and the exit status is non-zero; the
dry-run plan and the summary go to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sitekit.build import TRACEBACK_VARIABLE, report_unexpected

from . import (
    DEFAULT_SETTINGS,
    TARGETS,
    PublishError,
    publish,
    read_publish_settings,
    rollback,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitekit.publish", description=__doc__)
    parser.add_argument("action", nargs="?", default="publish", choices=("publish", "rollback"))
    parser.add_argument("--target", choices=TARGETS, help="default: PUBLISH_TARGET")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    parser.add_argument(
        "--if-changed",
        action="store_true",
        help="skip the upload and the emails when the site is identical to what went live last",
    )
    parser.add_argument(
        "--no-updates", action="store_true", help="do not mail subscribers after publishing"
    )
    parser.add_argument("--settings", default=str(DEFAULT_SETTINGS))
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback of an unexpected error"
    )
    args = parser.parse_args(argv)
    if args.traceback:
        os.environ[TRACEBACK_VARIABLE] = "1"
    updates = _UpdatesAfterDeploy(args.settings)
    try:
        if args.action == "rollback":
            print(rollback(settings_file=args.settings, dry_run=args.dry_run))
            return 0
        summary = publish(
            args.target,
            settings_file=args.settings,
            dry_run=args.dry_run,
            if_changed=args.if_changed,
            after_deploy=None if args.no_updates else updates,
        )
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"error: {args.action} interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # last line of defence: a bug, said as one
        report_unexpected(args.action, error)
        return 2
    if summary.dry_run:
        for line in summary.plan_lines():
            print(f"  {line}")
    for note in summary.notes:
        print(note)
    print(summary.line())
    if updates.status:
        print(
            "error: the site is live, but sending updates failed (above); "
            "`invoke send-updates` sends what is still due",
            file=sys.stderr,
        )
        return 3
    return 0


class _UpdatesAfterDeploy:
    """Mails subscribers what the site just published, when it has an audience server."""

    def __init__(self, settings_file: str) -> None:
        self.settings_file = settings_file
        self.status = 0

    def __call__(self, site_dir: Path) -> list[str]:
        settings = read_publish_settings(self.settings_file)
        if not settings.get("AUDIENCE_URL"):
            return []
        from sitekit.audience.commands import send_updates

        sys.stdout.flush()
        self.status = send_updates(site_dir / "feeds" / "updates.json")
        return []
