"""Tasks for the author, with the names Pelican's quickstart uses (run ``invoke --list``).

Each task is thin: the work lives in ``sitekit`` so it is tested without invoke.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
PYTHON = sys.executable
SETTINGS = {
    "dev": str(ROOT / "pelicanconf.py"),
    "publish": str(ROOT / "publishconf.py"),
}
OUTPUT = ROOT / "output"
HOST = os.environ.get("SERVE_HOST", "127.0.0.1")
PORT = int(os.environ.get("SERVE_PORT", "8000"))


def _build(c, settings: str, extra: str = "") -> None:
    c.run(f'"{PYTHON}" -m sitekit.build --settings "{settings}" {extra}', pty=False)


@task
def clean(c):
    """Remove the generated site and the content cache."""
    for folder in (OUTPUT, ROOT / "cache"):
        if folder.exists():
            shutil.rmtree(folder)
            print(f"removed {folder.relative_to(ROOT)}/")


@task
def build(c):
    """Build the site with development settings into output/."""
    _build(c, SETTINGS["dev"])


@task
def rebuild(c):
    """clean, then build."""
    clean(c)
    build(c)


@task
def regenerate(c):
    """Rebuild whenever content, theme, plugins or settings change."""
    c.run(f'"{PYTHON}" -m sitekit.watch --settings "{SETTINGS["dev"]}"', pty=False)


@task(help={"host": "address to bind (default 127.0.0.1)", "port": "port (default 8000)"})
def serve(c, host=HOST, port=PORT):
    """Serve output/ on :8000 with the comment server (:8080), the audience server (:8090)
    and, without SMTP_HOST, the mail catcher (:8025); Ctrl-C stops them all."""
    from sitekit.audience.mailcatcher import mail_catcher_alongside
    from sitekit.audience.server import audience_server_alongside
    from sitekit.comments.server import comment_server_alongside
    from sitekit.devserver import serve_site

    catcher = contextlib.nullcontext() if os.environ.get("SMTP_HOST") else mail_catcher_alongside()
    with comment_server_alongside(), catcher, audience_server_alongside():
        serve_site(OUTPUT, host, int(port))


@task(aliases=["reserve"])
def up(c):
    """Build the site, then serve it with comments, subscriptions and a mail catcher
    (Pelican's quickstart calls this task `reserve`: both names work)."""
    build(c)
    serve(c)


@task
def preview(c):
    """Build with production settings into output/ (what publish would ship)."""
    _build(c, SETTINGS["publish"])


@task(help={"host": "address to bind", "port": "port"})
def livereload(c, host=HOST, port=PORT):
    """Build, serve, rebuild on every change and reload the browser."""
    from sitekit.devserver import serve_with_livereload

    serve_with_livereload(ROOT, SETTINGS["dev"], OUTPUT, host, int(port))


@task(name="new-post", help={"title": "the post's title"})
def new_post(c, title):
    """Write content/posts/<slug>.md with today's date and every metadata field."""
    from sitekit.newpost import write_new_post

    path = write_new_post(ROOT / "content" / "posts", title)
    print(f"wrote {path.relative_to(ROOT)}")


@task(name="new-opening", help={"title": "the role's title"})
def new_opening(c, title):
    """Write content/openings/<slug>.md: every field with its allowed values in comments."""
    from sitekit.new_opening import write_new_opening

    path = write_new_opening(ROOT / "content" / "openings", title)
    print(f"wrote {path.relative_to(ROOT)}")


@task(help={"args": "extra arguments for pytest, e.g. '-k feeds'"})
def test(c, args=""):
    """Run the whole test suite."""
    c.run(f'"{PYTHON}" -m pytest {args}', pty=False)


# -- Comments (Isso): the work lives in sitekit/comments/ ------------------------


@task(help={"config": "Isso config file (default comments-server/dev.cfg)"})
def comments(c, config=""):
    """Run the Isso comment server on 127.0.0.1:8080 (database in var/) until Ctrl-C."""
    from sitekit.comments.server import DEV_CONFIG, serve_comments

    sys.exit(serve_comments(Path(config) if config else DEV_CONFIG))


CONFIG_HELP = "Isso config naming the database (default comments-server/dev.cfg)"
ID_HELP = {"id": "comment id from comments-pending", "config": CONFIG_HELP}


def _comments_config(config: str) -> Path:
    from sitekit.comments.server import DEV_CONFIG

    return Path(config) if config else DEV_CONFIG


@task(name="comments-pending", help={"config": CONFIG_HELP})
def comments_pending(c, config=""):
    """List live comments waiting for approval (thread, author, date, text)."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.list_pending(_comments_config(config)))


@task(name="comments-approve", help=ID_HELP)
def comments_approve(c, id, config=""):  # noqa: A002 - the name shown in `invoke --help`
    """Approve one pending comment: it appears on the site."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.approve(id, _comments_config(config)))


@task(name="comments-delete", help=ID_HELP)
def comments_delete(c, id, config=""):  # noqa: A002
    """Delete one live comment."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.delete(id, _comments_config(config)))


@task(name="comments-backup", help={"config": CONFIG_HELP})
def comments_backup(c, config=""):
    """Copy the comment database (safe while Isso runs) to var/backups/."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.backup(_comments_config(config)))


@task(name="comments-restore", help={"file": "a backup from var/backups/", "config": CONFIG_HELP})
def comments_restore(c, file, config=""):
    """Put a backup back as the comment database (the current one is backed up first)."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.restore(file, _comments_config(config)))


@task(name="comments-export", help={"config": CONFIG_HELP})
def comments_export(c, config=""):
    """Write approved live comments as archived files in content/comments/<slug>/."""
    from sitekit.comments import commands as comments_commands

    sys.exit(comments_commands.export(_comments_config(config)))


@task(
    name="publish",
    help={
        "dry_run": "show what would change, change nothing",
        "target": "rsync, s3 or gh-pages (default: PUBLISH_TARGET)",
        "if_changed": "skip upload and emails when the site is identical to what went live",
        "no_updates": "do not mail subscribers after publishing",
    },
)
def publish(c, dry_run=False, target="", if_changed=False, no_updates=False):
    """Build with publishconf.py, check the staged site, deploy it atomically, mail updates."""
    from sitekit.publish.cli import main

    args = ["--dry-run"] if dry_run else []
    args += ["--target", target] if target else []
    args += ["--if-changed"] if if_changed else []
    args += ["--no-updates"] if no_updates else []
    sys.exit(main(args))


@task(help={"dry_run": "show which release would go live, change nothing"})
def rollback(c, dry_run=False):
    """Point the live site (rsync target) back at the previous release."""
    from sitekit.publish.cli import main

    sys.exit(main(["rollback"] + (["--dry-run"] if dry_run else [])))


@task(
    help={
        "since": "roles opened on or after this day (YYYY-MM-DD), announced or not",
        "role": "only the role with this slug",
        "json": "JSON for scripts",
    }
)
def announce(c, since="", role="", json=False):
    """Ready-to-paste LinkedIn, X, Mastodon, Bluesky and email texts for new open roles."""
    from sitekit.announce import main

    args = ["--since", since] if since else []
    args += ["--role", role] if role else []
    sys.exit(main(args + (["--json"] if json else [])))


@task(help={"site": "check this built directory instead of a fresh production build"})
def check(c, site=""):
    """Pre-flight checks: links, anchors, local URLs, feeds, job postings, head tags."""
    from sitekit.checks import main

    sys.exit(main(["--site", site] if site else []))


@task(
    help={
        "posts": "synthetic posts (default 1000)",
        "openings": "synthetic openings (default: posts / 5)",
        "comments": "archived comments (default: posts / 2)",
        "repeats": "alternating runs of each build (default 5; 1 from 10,000 posts)",
        "no_peer": "skip vanilla Pelican (it takes minutes at 10,000 posts)",
    }
)
def bench(c, posts=1000, openings=-1, comments=-1, repeats=0, no_peer=False):
    """Benchmark cold/warm builds against vanilla Pelican; table + bench/results/latest.json."""
    from bench.run import main

    args = ["--posts", str(posts)]
    args += ["--openings", str(openings)] if int(openings) >= 0 else []
    args += ["--comments", str(comments)] if int(comments) >= 0 else []
    args += ["--repeats", str(repeats)] if int(repeats) > 0 else []
    sys.exit(main(args + (["--no-peer"] if no_peer else [])))


# -- Email subscriptions (the audience server): the work lives in sitekit/audience/ -----


@task(help={"host": "address to bind (default 127.0.0.1)", "port": "port (default 8090)"})
def audience(c, host="127.0.0.1", port=8090):
    """Run the audience server (sign-ups, preferences) with its database at AUDIENCE_DB."""
    from sitekit.audience import commands

    sys.exit(commands.serve(host, int(port)))


@task(name="mail-catcher")
def mail_catcher(c):
    """Catch outgoing mail on 127.0.0.1:1025 into var/mail/, read it on :8025."""
    from sitekit.audience import commands

    sys.exit(commands.mail_catcher())


@task(name="send-updates", help={"dry_run": "show who would get what, send nothing"})
def send_updates(c, dry_run=False):
    """Mail each confirmed subscriber the new posts and roles of output/ that match them."""
    from sitekit.audience import commands

    sys.exit(commands.send_updates(OUTPUT / "feeds" / "updates.json", dry_run=dry_run))


@task
def subscribers(c):
    """Subscribers by state and topic, and the newest sign-ups."""
    from sitekit.audience import commands

    sys.exit(commands.subscribers())


@task(name="subscribers-export", help={"email": "only this subscriber (default: all)"})
def subscribers_export(c, email=""):
    """JSON of everything held about one subscriber, or all of them."""
    from sitekit.audience import commands

    sys.exit(commands.export(email or None))


@task(name="subscribers-delete", help={"email": "the address to erase"})
def subscribers_delete(c, email):
    """Erase a subscriber and what was sent to them."""
    from sitekit.audience import commands

    sys.exit(commands.delete(email))


@task(name="subscribers-backup")
def subscribers_backup(c):
    """Copy the audience database (safe while the server runs) to var/backups/."""
    from sitekit.audience import commands

    sys.exit(commands.backup())


@task(name="subscribers-restore", help={"file": "a backup from var/backups/"})
def subscribers_restore(c, file):
    """Put a backup back as the audience database (the current one is backed up first)."""
    from sitekit.audience import commands

    sys.exit(commands.restore(file))


@task(help={"days": "how many days, up to today (UTC; default 30)", "json": "one JSON document"})
def stats(c, days=30, json=False):
    """Reading stats: views and visitors per post, apply clicks per role, sources, trends."""
    from sitekit.audience import commands

    sys.exit(commands.stats(int(days), as_json=json))


@task(name="stats-chart", help={"days": "30 or 90 (default 30)", "output": "a .png or .svg"})
def stats_chart(c, days=30, output=""):
    """Chart of daily views and apply clicks (default var/stats-chart.png)."""
    from sitekit.audience import commands

    sys.exit(commands.stats_chart(int(days), output))


@task(name="bench-stats")
def bench_stats(c):
    """Benchmark the counting endpoint: 50 concurrent clients for 20 s against gunicorn."""
    from bench.stats import main

    sys.exit(main())


@task(name="bench-audience")
def bench_audience(c):
    """Benchmark subscriptions: who gets what at 10,000 subscribers, SMTP rate, sign-ups."""
    from bench.audience import main

    sys.exit(main())
