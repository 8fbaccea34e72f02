"""The command line and the invoke tasks: one line per problem, a summary, no tracebacks."""

from __future__ import annotations

import io

import pytest
from invoke import Task

from sitekit.publish.cli import main
from sitekit.publish.report import Progress, Summary


def run_publish(capsys, monkeypatch, *args: str, **env: str) -> tuple[int, str, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PUBLISH_TARGET": "ftp"},
            "error: PUBLISH_TARGET must be one of rsync, s3, gh-pages (got 'ftp')",
        ),
        (
            {"PUBLISH_TARGET": "rsync", "PUBLISH_DEST": ""},
            "error: PUBLISH_DEST is not set: give a local path or user@host:/path",
        ),
        ({"PUBLISH_TARGET": "s3", "S3_BUCKET": ""}, "error: S3_BUCKET is not set"),
    ],
    ids=["unknown-target", "no-dest", "no-bucket"],
)
def test_bad_settings_stop_publish_before_building(capsys, monkeypatch, env, message):
    code, _out, err = run_publish(capsys, monkeypatch, **env)
    assert code == 1
    assert err.splitlines() == [message]


def test_rollback_needs_the_rsync_target(capsys, monkeypatch):
    code, _out, err = run_publish(capsys, monkeypatch, "rollback", PUBLISH_TARGET="s3")
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith("error: rollback needs PUBLISH_TARGET=rsync")


def test_the_tasks_exist():
    import tasks

    for name in ("publish", "rollback", "check"):
        assert isinstance(getattr(tasks, name), Task), name


def test_summary_lines():
    summary = Summary("rsync /srv/site", ["a.html", "b.css"], 7, ["old.html"], 2500, 1.234)
    assert summary.line() == (
        "Published to rsync /srv/site: 2 uploaded, 7 unchanged, 1 deleted, 2.5 kB in 1.23 s."
    )
    summary.dry_run = True
    assert summary.line() == (
        "Dry run for rsync /srv/site, nothing changed: "
        "2 to upload, 7 unchanged, 1 to delete, 2.5 kB."
    )
    assert summary.plan_lines() == ["upload a.html", "upload b.css", "delete old.html"]


def test_progress_bar_draws_on_a_terminal_only():
    stream = io.StringIO()
    bar = Progress(2, 300, stream=stream, enabled=True)
    bar.advance("a.html", 100)
    bar.advance("b.css", 200)
    bar.close()
    lines = stream.getvalue().split("\r")
    assert "1/2 files 100 B a.html" in lines[1]
    assert "[########################] 2/2 files 300 B b.css" in lines[2]
    assert stream.getvalue().endswith("\n")

    quiet = io.StringIO()  # not a terminal: nothing but the summary later
    bar = Progress(2, 300, stream=quiet)
    bar.advance("a.html", 100)
    bar.close()
    assert quiet.getvalue() == ""


def test_dry_run_prints_one_line_per_change_then_the_summary(capsys, monkeypatch):
    from sitekit.publish import cli

    seen = {}

    def fake_publish(target, **options):
        seen.update(options, target=target)
        return Summary("s3://site/", ["posts/a/index.html"], 9, ["old.html"], 120, dry_run=True)

    monkeypatch.setattr(cli, "publish", fake_publish)
    assert main(["--dry-run", "--target", "s3"]) == 0
    out, err = capsys.readouterr()
    assert seen["target"] == "s3" and seen["dry_run"] is True
    assert out.splitlines() == [
        "  upload posts/a/index.html",
        "  delete old.html",
        "Dry run for s3://site/, nothing changed: 1 to upload, 9 unchanged, 1 to delete, 120 B.",
    ]
    assert err == ""
