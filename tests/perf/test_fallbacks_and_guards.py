"""A broken fast path announces itself, and the output stays what Pelican writes.

- A render helper killed (or failing) mid-build: the build process renders its pages,
  the build ends with one warning naming the fallback and why, the files are the same.
- A Pelican or Markdown function a patch was written against that is not the installed
  one (an upgrade): that patch stays off, one warning names it, the files are the same.
"""

from __future__ import annotations

import os
import signal

import pelican.utils
import pytest
from markdown.treeprocessors import InlineProcessor
from pelican.contents import Content

from bench.synth import generate_site
from plugins.fastbuild import fallbacks, guards, inline_markdown, speedups, static
from plugins.fastbuild.parallel import Share
from tests.perf.test_identical_output import _build, assert_same_tree

HELPER_FALLBACK = "pages rendered by the build process instead of a helper"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("fallbacks")
    return generate_site(root, posts=60, openings=10, comments=20, seed=5).content


@pytest.fixture(scope="module")
def reference(synthetic, tmp_path_factory):
    """The synthetic site built with every fast path taken."""
    out = tmp_path_factory.mktemp("reference") / "out"
    _build(synthetic, out, fast=True)
    return out


@pytest.fixture
def fresh_guards():
    guards.forget()
    yield
    guards.forget()


def _build_allowing_fallbacks(content, out, **extra):
    from sitekit.build import build_site
    from tests.perf.test_identical_output import SETTINGS

    return build_site(
        SETTINGS,
        {
            "PATH": str(content),
            "OUTPUT_PATH": str(out),
            "CACHE_PATH": str(out.parent / "cache"),
            "LOAD_CONTENT_CACHE": False,
            "COMMENTS_SNAPSHOT": False,
            "OPENINGS_TODAY": "2026-11-30",
            "FASTBUILD_PARALLEL_MIN_FILES": 1,
            "FASTBUILD_WORKERS": 2,
            **extra,
        },
    )


def _sabotage_helpers(monkeypatch, harm):
    """Make every render helper call ``harm()`` as soon as it has claimed a page."""
    original = Share.next_call

    def next_call(self):
        index, mine = original(self)
        if mine and self.renderer != 0:  # a forked helper, about to render its page
            harm()
        return index, mine

    monkeypatch.setattr(Share, "next_call", next_call)


def _helper_fallbacks():
    return [kind for kind in fallbacks.noted() if kind.what == HELPER_FALLBACK]


def test_a_killed_render_helper_is_reported_and_the_output_is_the_same(
    tmp_path, synthetic, reference, monkeypatch
):
    _sabotage_helpers(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    report = _build_allowing_fallbacks(synthetic, tmp_path / "out")
    assert report.ok, report.problems + report.errors
    [kind] = _helper_fallbacks()
    assert "its render helper died (exit code -9)" in kind.why
    assert kind.count >= 1
    assert [line for line in report.warnings if HELPER_FALLBACK in line] == [kind.line()]
    assert_same_tree(reference, tmp_path / "out")


def test_a_failing_render_helper_says_why(tmp_path, synthetic, reference, monkeypatch):
    def fail():
        raise RuntimeError("disk full, say")

    _sabotage_helpers(monkeypatch, fail)
    report = _build_allowing_fallbacks(synthetic, tmp_path / "out")
    assert report.ok, report.problems + report.errors
    [kind] = _helper_fallbacks()
    assert "its render helper failed (RuntimeError: disk full, say)" in kind.why
    assert_same_tree(reference, tmp_path / "out")


def test_the_shipped_versions_match_every_patch_and_each_is_installed(fresh_guards):
    assert {name: guards.current_digest(name) for name in guards.WRITTEN_AGAINST} == (
        guards.WRITTEN_AGAINST
    )
    assert all(guards.unchanged(name) for name in guards.WRITTEN_AGAINST)
    speedups.install()  # what register() does; nothing else may have loaded the plugin
    inline_markdown.install()
    assert Content.get_relative_source_path is speedups._remembered_relative_source_path
    assert Content._expand_settings is speedups._remembered_expand_settings
    assert pelican.utils.strftime is speedups._strftime
    assert InlineProcessor.run is inline_markdown._run


def test_a_changed_function_keeps_its_patch_off(fresh_guards, monkeypatch, caplog):
    # An upgraded Pelican whose copy_file is another function than the one patched.
    def copy_file(source, destination):
        """Not the code the speed-up was written against."""

    monkeypatch.setattr(pelican.utils, "copy_file", copy_file)

    def generate_output(writer):
        return None

    assert static.copy_only_changed(generate_output) is generate_output
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith("fastbuild: pelican.utils.copy_file is not the code")
    assert "that speed-up stays off" in warnings[0]

    # Markdown's inline handler: another version leaves InlineProcessor alone.
    original_run = inline_markdown._original_run
    monkeypatch.setattr(InlineProcessor, "run", original_run)
    monkeypatch.setitem(inline_markdown._state, "installed", False)
    monkeypatch.setitem(
        guards.WRITTEN_AGAINST, "markdown.treeprocessors.InlineProcessor.run", "0" * 16
    )
    inline_markdown.install()
    assert InlineProcessor.run is original_run
    assert not inline_markdown._state["installed"]


def test_a_changed_writer_means_pelicans_writer_and_the_same_output(
    tmp_path, synthetic, reference, fresh_guards, monkeypatch
):
    monkeypatch.setitem(guards.WRITTEN_AGAINST, "pelican.writers.Writer._open_w", "0" * 16)
    report = _build_allowing_fallbacks(synthetic, tmp_path / "out")
    assert report.ok, report.problems + report.errors
    warned = [line for line in report.warnings if "Writer._open_w is not the code" in line]
    assert len(warned) == 1, report.warnings
    assert_same_tree(reference, tmp_path / "out")


def test_a_file_that_cannot_be_written_fails_the_build_naming_it(tmp_path, synthetic):
    """Background writes: a failed write is the build's error, with the file's name."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "tag").write_text("a file where the tag pages' folder must go")
    report = _build_allowing_fallbacks(synthetic, out)
    assert not report.ok
    lines = report.errors + report.problems
    assert any("could not write" in line and "/tag/" in line for line in lines), lines
    assert not any("Traceback" in line for line in lines)


def test_background_writes_give_the_same_files(tmp_path, synthetic, reference):
    report = _build_allowing_fallbacks(
        synthetic, tmp_path / "out", FASTBUILD_BACKGROUND_WRITES=True
    )
    assert report.ok, report.problems + report.errors
    assert fallbacks.noted() == []
    assert_same_tree(reference, tmp_path / "out")


def test_with_background_writes_an_unwritable_file_is_one_error_line(tmp_path, synthetic):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tag").write_text("a file where the tag pages' folder must go")
    report = _build_allowing_fallbacks(synthetic, out, FASTBUILD_BACKGROUND_WRITES=True)
    assert not report.ok
    assert any("could not write" in line and "/tag/" in line for line in report.errors)
