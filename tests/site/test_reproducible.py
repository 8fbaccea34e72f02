"""Same content, same bytes: two builds of the demo site are identical file for file."""

from __future__ import annotations

import hashlib

from tests.sitebuild import build


def tree_digest(root) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_two_builds_are_byte_identical(tmp_path, published_site):
    again = build(tmp_path, settings="publishconf.py")
    assert again.report.ok
    first, second = tree_digest(published_site.output), tree_digest(again.output)
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert changed == []
