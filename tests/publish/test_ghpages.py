"""gh-pages target with ghp-import, against a temporary local repository and its origin."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sitekit.publish import PublishError
from sitekit.publish.ghpages import git_blob_id, publish_to_github_pages
from tests.sitebuild import require

BRANCH = "site-pages"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repos(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A working repository whose ``origin`` is a bare repository, both on disk."""
    require(shutil.which("git") is not None, "git is not installed")
    for name, value in {
        "GIT_AUTHOR_NAME": "Publisher",
        "GIT_AUTHOR_EMAIL": "publisher@example.test",
        "GIT_COMMITTER_NAME": "Publisher",
        "GIT_COMMITTER_EMAIL": "publisher@example.test",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "no-global-gitconfig"),
    }.items():
        monkeypatch.setenv(name, value)
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "init", "--quiet", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "--quiet", str(work)], check=True)
    git(work, "remote", "add", "origin", str(origin))
    return work, origin


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    for name, text in {
        "index.html": "<!doctype html><title>Home</title>",
        "posts/one/index.html": "<!doctype html><title>One</title>",
        "theme/css/site.css": "body { color: black }",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def tree(repo: Path, ref: str) -> list[str]:
    return sorted(git(repo, "ls-tree", "-r", "--name-only", ref).split())


def test_publish_commits_the_site_with_nojekyll_and_cname_and_pushes(repos, site):
    work, origin = repos
    summary = publish_to_github_pages(
        site, repo=work, branch=BRANCH, cname="jobs.example.test", remote="origin"
    )
    assert tree(origin, BRANCH) == [
        ".nojekyll",
        "CNAME",
        "index.html",
        "posts/one/index.html",
        "theme/css/site.css",
    ]
    assert git(origin, "show", f"{BRANCH}:CNAME") == "jobs.example.test"
    assert git(origin, "show", f"{BRANCH}:index.html") == "<!doctype html><title>Home</title>"
    assert len(summary.uploaded) == 5 and summary.unchanged == 0
    assert summary.destination == f"git branch {BRANCH} on origin"


def test_republishing_the_same_site_makes_no_commit(repos, site):
    work, origin = repos
    publish_to_github_pages(site, repo=work, branch=BRANCH, remote="origin")
    head = git(origin, "rev-parse", BRANCH)
    summary = publish_to_github_pages(site, repo=work, branch=BRANCH, remote="origin")
    assert summary.uploaded == [] and summary.deleted == []
    assert git(origin, "rev-parse", BRANCH) == head


def test_a_change_is_one_commit_with_only_that_change(repos, site):
    work, origin = repos
    publish_to_github_pages(site, repo=work, branch=BRANCH, remote="origin")
    (site / "posts" / "one" / "index.html").write_text("<!doctype html><title>One!</title>")
    (site / "theme" / "css" / "site.css").unlink()
    summary = publish_to_github_pages(site, repo=work, branch=BRANCH, remote="origin")

    assert summary.uploaded == ["posts/one/index.html"]
    assert summary.deleted == ["theme/css/site.css"]
    changes = git(origin, "diff", "--name-status", f"{BRANCH}~1", BRANCH).split("\n")
    assert [line for line in changes if line] == [
        "M\tposts/one/index.html",
        "D\ttheme/css/site.css",
    ]


def test_dry_run_makes_no_commit(repos, site):
    work, origin = repos
    summary = publish_to_github_pages(site, repo=work, branch=BRANCH, dry_run=True)
    assert summary.dry_run and len(summary.uploaded) == 4  # three files and .nojekyll
    assert git(origin, "branch", "--list", BRANCH) == ""
    assert git(work, "branch", "--list", BRANCH) == ""


def test_without_a_remote_the_branch_is_only_committed_locally(repos, site):
    work, origin = repos
    publish_to_github_pages(site, repo=work, branch=BRANCH, remote="")
    assert "index.html" in tree(work, BRANCH)
    assert git(origin, "branch", "--list", BRANCH) == ""


def test_an_unreachable_remote_is_one_line(repos, site, tmp_path):
    work, _origin = repos
    git(work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(PublishError, match="cannot reach git remote 'origin'"):
        publish_to_github_pages(site, repo=work, branch=BRANCH, remote="origin")


def test_blob_ids_match_git():
    assert git_blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
