"""rsync target against real rsync: releases, hard links, atomic switch, rollback, failures."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitekit.publish import PublishError, publish
from sitekit.publish.rsync import RELEASE_NAME, publish_with_rsync, rollback_release
from tests.publish.conftest import (
    EDITED_POST_PAGE,
    changed_files,
    site_files,
    site_overrides,
    small_content,
)
from tests.sitebuild import ROOT

pytestmark = pytest.mark.usefixtures("needs_rsync")


def releases(dest: Path) -> list[str]:
    return sorted(os.listdir(dest / "releases"))


def live(dest: Path) -> str:
    return os.readlink(dest / "current")


def served(dest: Path) -> dict[str, bytes]:
    return site_files((dest / "current").resolve())


def test_first_publish_uploads_everything_and_points_current_at_the_release(
    tmp_path, published_site
):
    dest = tmp_path / "www"
    summary = publish_with_rsync(published_site.output, str(dest))

    [release] = releases(dest)
    assert RELEASE_NAME.match(release)
    assert live(dest) == f"releases/{release}"
    assert served(dest) == site_files(published_site.output)
    assert len(summary.uploaded) == len(site_files(published_site.output))
    assert summary.unchanged == 0 and summary.deleted == []


def test_second_publish_hard_links_unchanged_files_to_the_previous_release(
    tmp_path, published_site, rebuilt_site, edited_site
):
    dest = tmp_path / "www"
    publish_with_rsync(published_site.output, str(dest))
    same = publish_with_rsync(rebuilt_site.output, str(dest))
    edited = publish_with_rsync(edited_site.output, str(dest))

    first, second, third = (dest / "releases" / name for name in releases(dest))
    assert live(dest) == f"releases/{third.name}"
    assert same.uploaded == [] and same.bytes == 0
    for name in site_files(first):
        assert (first / name).stat().st_ino == (second / name).stat().st_ino, name

    changed = changed_files(published_site.output, edited_site.output)
    assert EDITED_POST_PAGE in changed
    assert sorted(edited.uploaded) == sorted(changed)
    for name in site_files(third):
        if not (second / name).exists():  # new content-addressed search index chunks
            assert name in changed and name.startswith("pagefind/"), name
            continue
        same_inode = (second / name).stat().st_ino == (third / name).stat().st_ino
        assert same_inode == (name not in changed), name
    assert served(dest) == site_files(edited_site.output)


def test_rollback_points_current_at_the_previous_release(tmp_path, published_site, edited_site):
    dest = tmp_path / "www"
    publish_with_rsync(published_site.output, str(dest))
    publish_with_rsync(edited_site.output, str(dest))
    old, new = releases(dest)

    assert rollback_release(str(dest), dry_run=True) == (old, new)
    assert live(dest) == f"releases/{new}"
    assert rollback_release(str(dest)) == (old, new)
    assert live(dest) == f"releases/{old}"
    assert served(dest) == site_files(published_site.output)
    with pytest.raises(PublishError, match="oldest release"):
        rollback_release(str(dest))


def test_invoke_rollback_switches_and_explains_in_one_line_when_it_cannot(
    tmp_path, published_site, edited_site
):
    dest = tmp_path / "www"
    publish_with_rsync(published_site.output, str(dest))
    publish_with_rsync(edited_site.output, str(dest))
    old, _new = releases(dest)
    env = dict(os.environ, PUBLISH_TARGET="rsync", PUBLISH_DEST=str(dest))

    def invoke_rollback():
        return subprocess.run(
            [sys.executable, "-m", "invoke", "rollback"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )

    result = invoke_rollback()
    assert result.returncode == 0, result.stderr
    assert live(dest) == f"releases/{old}"
    assert f"now points at releases/{old}" in result.stdout

    result = invoke_rollback()
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "oldest release" in line
    assert live(dest) == f"releases/{old}"


def test_only_the_last_five_releases_are_kept(tmp_path, published_site, edited_site):
    dest = tmp_path / "www"
    for number in range(7):
        site = published_site if number % 2 == 0 else edited_site
        publish_with_rsync(site.output, str(dest))
        names = releases(dest)
    assert len(names) == 5
    assert live(dest) == f"releases/{names[-1]}"
    assert served(dest) == site_files(published_site.output)


def test_dry_run_reports_the_changes_and_changes_nothing(tmp_path, published_site, edited_site):
    dest = tmp_path / "www"
    publish_with_rsync(published_site.output, str(dest))
    before = (releases(dest), live(dest))

    stale = edited_site.output / "old-page.html"
    summary = publish_with_rsync(edited_site.output, str(dest), dry_run=True)
    assert not stale.exists()
    assert summary.dry_run
    assert sorted(summary.uploaded) == sorted(
        changed_files(published_site.output, edited_site.output)
    )
    assert (releases(dest), live(dest)) == before
    assert served(dest) == site_files(published_site.output)


def test_deleted_files_are_counted(tmp_path, published_site):
    site = tmp_path / "site"
    shutil.copytree(published_site.output, site)
    dest = tmp_path / "www"
    publish_with_rsync(site, str(dest))
    (site / "robots.txt").unlink()
    summary = publish_with_rsync(site, str(dest))
    assert summary.deleted == ["robots.txt"]
    assert summary.uploaded == []
    assert not (dest / "current" / "robots.txt").exists()


def test_remote_destination_uses_ssh_for_the_switch(
    tmp_path, ssh_stand_in, published_site, rebuilt_site
):
    dest = tmp_path / "remote-www"
    publish_with_rsync(published_site.output, f"deploy@testhost:{dest}")
    again = publish_with_rsync(rebuilt_site.output, f"deploy@testhost:{dest}")
    assert again.uploaded == []
    first, second = (dest / "releases" / name for name in releases(dest))
    assert live(dest) == f"releases/{second.name}"
    for name in site_files(first):
        assert (first / name).stat().st_ino == (second / name).stat().st_ino, name
    assert rollback_release(f"deploy@testhost:{dest}") == (first.name, second.name)
    assert live(dest) == f"releases/{first.name}"


def test_an_upload_cut_halfway_leaves_current_on_the_old_release(
    tmp_path, ssh_stand_in, monkeypatch, published_site
):
    dest = tmp_path / "remote-www"
    publish_with_rsync(published_site.output, f"testhost:{dest}")
    [old] = releases(dest)

    # A new site with a 1 MB file, so the upload is far from done when the link drops.
    site = tmp_path / "site"
    shutil.copytree(published_site.output, site)
    (site / "images" / "large.bin").write_bytes(os.urandom(1_000_000))
    monkeypatch.setenv("CUT_UPLOAD_AFTER_BYTES", "65536")
    with pytest.raises(PublishError) as failure:
        publish_with_rsync(site, f"testhost:{dest}")

    message = str(failure.value)
    assert message.startswith("rsync failed (exit ")
    assert message.endswith(f"current still points at releases/{old}")
    assert "\n" not in message
    assert live(dest) == f"releases/{old}"
    assert releases(dest) == [old]  # the partial upload is gone
    assert served(dest) == site_files(published_site.output)

    monkeypatch.delenv("CUT_UPLOAD_AFTER_BYTES")
    publish_with_rsync(site, f"testhost:{dest}")
    assert (dest / "current" / "images" / "large.bin").stat().st_size == 1_000_000


def test_publish_builds_checks_and_deploys(tmp_path):
    dest = tmp_path / "www"
    overrides = site_overrides(tmp_path) | {"PUBLISH_DEST": str(dest)}
    err = io.StringIO()
    summary = publish("rsync", overrides=overrides, err=err)

    assert not summary.dry_run and summary.seconds > 0
    assert live(dest).startswith("releases/")
    assert (dest / "current" / "index.html").is_file()
    assert (dest / "current" / EDITED_POST_PAGE).is_file()
    assert summary.line().startswith(f"Published to rsync {dest}: ")


def test_a_failing_preflight_check_deploys_nothing(tmp_path, published_site):
    dest = tmp_path / "www"
    publish_with_rsync(published_site.output, str(dest))
    before = (releases(dest), live(dest))

    overrides = site_overrides(tmp_path, small_content(tmp_path)) | {"PUBLISH_DEST": str(dest)}
    post = Path(overrides["PATH"]) / "posts" / "first.md"
    post.write_text(
        post.read_text(encoding="utf-8") + "\nSee [my old notes](/posts/old-notes/).\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(PublishError, match="pre-flight checks found 1 problem"):
        publish("rsync", overrides=overrides, err=err)

    errors = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
    assert errors == [
        "error: posts/a-first-post/index.html: broken link "
        '(no posts/old-notes/ in the site): href="/posts/old-notes/"'
    ]
    assert (releases(dest), live(dest)) == before
