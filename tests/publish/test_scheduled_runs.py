"""Publishing on a schedule: one run at a time, and a quiet day ships and mails nothing."""

from __future__ import annotations

import configparser
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitekit.publish import publish
from sitekit.publish.runs import PublishBusy
from tests.publish.conftest import EDITED_POST_SOURCE, site_overrides
from tests.sitebuild import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"


def _releases(dest: Path) -> list[str]:
    return sorted(p.name for p in (dest / "releases").iterdir())


@pytest.mark.slow
def test_if_changed_skips_upload_and_mail_on_a_quiet_day(tmp_path, needs_rsync):
    dest = tmp_path / "www"
    overrides = site_overrides(tmp_path) | {"PUBLISH_DEST": str(dest)}
    mailed: list[Path] = []

    def mail(site: Path) -> list[str]:
        mailed.append(site)
        assert (site / "index.html").is_file()  # runs while the staged site still exists
        return ["mailed"]

    first = publish(
        "rsync", overrides=overrides, if_changed=True, after_deploy=mail, err=io.StringIO()
    )
    assert not first.unchanged_site and "mailed" in first.notes
    assert len(_releases(dest)) == 1

    quiet = publish(
        "rsync", overrides=overrides, if_changed=True, after_deploy=mail, err=io.StringIO()
    )
    assert quiet.unchanged_site
    assert quiet.line().startswith("Nothing to publish: the built site is identical")
    assert len(_releases(dest)) == 1 and len(mailed) == 1

    post = Path(overrides["PATH"]) / EDITED_POST_SOURCE
    post.write_text(post.read_text(encoding="utf-8") + "\nOne more thought.\n", encoding="utf-8")
    changed = publish(
        "rsync", overrides=overrides, if_changed=True, after_deploy=mail, err=io.StringIO()
    )
    assert not changed.unchanged_site
    assert len(_releases(dest)) == 2 and len(mailed) == 2

    # without --if-changed the same site is shipped again (a forced publish)
    publish("rsync", overrides=overrides, after_deploy=mail, err=io.StringIO())
    assert len(mailed) == 3


def test_a_second_publish_refuses_while_one_runs(tmp_path):
    state = tmp_path / "publish-state"
    state.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; sys.path.insert(0, sys.argv[1]);"
            "from sitekit.publish.runs import publish_lock\n"
            "with publish_lock(pathlib.Path(sys.argv[2])):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(ROOT),
            str(state),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        overrides = site_overrides(tmp_path) | {"PUBLISH_DEST": str(tmp_path / "www")}
        started = time.monotonic()
        with pytest.raises(PublishBusy, match="another publish is running"):
            publish("rsync", overrides=overrides, err=io.StringIO())
        assert time.monotonic() - started < 10  # refused at once, before building
        assert not (tmp_path / "www").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    # the lock went with the process that held it
    from sitekit.publish.runs import publish_lock

    with publish_lock(state):
        pass


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


def test_the_timer_runs_publish_daily_and_catches_up_after_boot():
    timer = _unit("site-publish.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* ")
    assert timer["Timer"]["Unit"] == "site-publish.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = _unit("site-publish.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].endswith("invoke publish --if-changed")
    assert service["Service"]["StandardOutput"] == "journal"
