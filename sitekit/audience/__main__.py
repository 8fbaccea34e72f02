"""``python -m sitekit.audience COMMAND``: the audience commands without invoke.

Each subcommand calls one function of sitekit.audience.commands and exits with its status.
"""

from __future__ import annotations

import argparse
import sys

from sitekit.audience import commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitekit.audience")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the audience server in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    sub.add_parser("mail-catcher", help="catch development mail on 127.0.0.1:1025")
    sub.add_parser("subscribers", help="counts and the newest sign-ups")
    export = sub.add_parser("export", help="JSON of everything held (about one address)")
    export.add_argument("email", nargs="?")
    delete = sub.add_parser("delete", help="erase one subscriber and their history")
    delete.add_argument("email")
    sub.add_parser("backup", help="back up the database (safe while the server runs)")
    restore = sub.add_parser("restore", help="put a backup back")
    restore.add_argument("file")
    send = sub.add_parser("send-updates", help="mail subscribers the new posts and roles")
    send.add_argument("manifest", nargs="?", default=str(commands.DEFAULT_MANIFEST))
    send.add_argument("--dry-run", action="store_true", help="show who would get what")
    report = sub.add_parser("stats", help="reading stats of the last days")
    report.add_argument("--days", type=int, default=30)
    report.add_argument("--json", action="store_true", help="one JSON document")
    chart = sub.add_parser("stats-chart", help="a chart of daily views and apply clicks")
    chart.add_argument("--days", type=int, default=30)
    chart.add_argument("--output", default="", help="a .png or .svg file")
    args = parser.parse_args(argv)
    run = {
        "serve": lambda: commands.serve(args.host, args.port),
        "mail-catcher": commands.mail_catcher,
        "subscribers": commands.subscribers,
        "export": lambda: commands.export(args.email),
        "delete": lambda: commands.delete(args.email),
        "backup": commands.backup,
        "restore": lambda: commands.restore(args.file),
        "send-updates": lambda: commands.send_updates(args.manifest, args.dry_run),
        "stats": lambda: commands.stats(args.days, args.json),
        "stats-chart": lambda: commands.stats_chart(args.days, args.output),
    }[args.command]
    return run()


if __name__ == "__main__":
    sys.exit(main())
