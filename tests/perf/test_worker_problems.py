"""Problems found while worker processes read the sources stop the build with the same
lines (and the same warnings) as a build that reads every file itself.
"""

from __future__ import annotations

import shutil

import pytest

from plugins import fastbuild
from tests.sitebuild import FIXTURES, build

BAD_POSTS = {
    "bad-date.md": "Title: Broken date\nDate: 2021-13-45\n\nText.\n",
    "no-title.md": "Date: 2021-01-01\n\nText.\n",
    "typo.md": "Title: Typo\nDate: 2021-01-01\nTagz: oops\n\nText.\n",
    "status.md": "Title: Status\nDate: 2021-01-01\nStatus: live\n\nText.\n",
    "empty.md": "",
    "latin1.md": "Title: Café\nDate: 2021-01-01\n\nA.\n".encode("latin-1"),
}
# Pelican itself warns about this one from inside the reader.
DUPLICATE_SLUG = "Title: Twice\nDate: 2021-01-01\nSlug: once\nSlug: twice\n\nText.\n"


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "src" / "content"
    shutil.copytree(FIXTURES / "minimal", target)
    posts = target / "posts"
    for index in range(12):  # enough good files for several worker tasks
        (posts / f"good-{index:02d}.md").write_text(
            f"Title: Good {index}\nDate: 2021-02-{index + 1:02d}\n\nFine *text*.\n",
            encoding="utf-8",
        )
    for name, data in BAD_POSTS.items():
        path = posts / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    (posts / "duplicate.md").write_text(DUPLICATE_SLUG, encoding="utf-8")
    return target


def _build(tmp_path, content, name: str, fast: bool):
    return build(
        tmp_path / name,
        content,
        FAST_BUILD=fast,
        FASTBUILD_PARALLEL_MIN_FILES=1,
        FASTBUILD_WORKERS=2,
    )


def test_problems_from_workers_are_the_same_lines(tmp_path, content):
    serial = _build(tmp_path, content, "serial", fast=False)
    parallel = _build(tmp_path, content, "parallel", fast=True)
    assert fastbuild.build_stats()["workers"] == 2, "the sources were read by workers"

    assert not parallel.report.ok
    assert len(parallel.report.problems) >= len(BAD_POSTS)
    assert parallel.report.problems == serial.report.problems
    for kind in ("errors", "warnings"):
        lines = {
            name: [
                line.replace(str(tmp_path / name), "<site>") for line in getattr(site.report, kind)
            ]
            for name, site in (("serial", serial), ("parallel", parallel))
        }
        assert lines["parallel"] == lines["serial"], kind
    assert any("Duplicate definition of `slug`" in line for line in parallel.report.warnings)
    assert not (parallel.output / "index.html").exists(), "nothing is written for a broken site"
