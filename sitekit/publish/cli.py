"""Command line for publishing: ``python -m sitekit.publish [rollback] [--dry-run]``.

Problems come out one per line on stderr and the exit status is non-zero; the
dry-run plan and the summary go to stdout.
"""

from __future__ import annotations

import argparse
import sys

from . import DEFAULT_SETTINGS, TARGETS, PublishError, publish, rollback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitekit.publish", description=__doc__)
    parser.add_argument("action", nargs="?", default="publish", choices=("publish", "rollback"))
    parser.add_argument("--target", choices=TARGETS, help="default: PUBLISH_TARGET")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    parser.add_argument("--settings", default=str(DEFAULT_SETTINGS))
    args = parser.parse_args(argv)
    try:
        if args.action == "rollback":
            print(rollback(settings_file=args.settings, dry_run=args.dry_run))
            return 0
        summary = publish(args.target, settings_file=args.settings, dry_run=args.dry_run)
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"error: {args.action} interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # last line of defence: one line, no traceback
        print(f"error: {args.action} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if summary.dry_run:
        for line in summary.plan_lines():
            print(f"  {line}")
    for note in summary.notes:
        print(note)
    print(summary.line())
    return 0
