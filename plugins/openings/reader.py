"""Read one opening source: raw metadata strings and the description as HTML.

A Pelican Markdown reader with two differences: the metadata is handed over raw
(the Opening model parses and checks it), and full-line ``#`` comments are allowed
in the metadata block so a skeleton can document every field in place.
"""

from __future__ import annotations

import os
import re

from markdown import Markdown
from pelican.readers import MarkdownReader

from plugins.strict_content.reader import control_character_problem

MAX_SOURCE_BYTES = 1_000_000
# The line shapes the Markdown meta extension accepts in a metadata block.
_META_LINE = re.compile(r"^[ ]{0,3}[A-Za-z0-9_-]+:\s*.*$")
_META_MORE = re.compile(r"^[ ]{4,}\S")
_META_FENCE = re.compile(r"^(-{3}|\.{3})(\s.*)?$")


class SourceFileProblem(Exception):
    """The file cannot be read as an opening at all; the message says why."""


class OpeningReader(MarkdownReader):
    def read(self, source_path: str) -> tuple[str, dict[str, str]]:
        """Return (description HTML, {lower-case field name: raw text})."""
        text = _read_text(source_path, self.settings.get("STRICT_MAX_SOURCE_BYTES"))
        self._source_path = source_path
        text = strip_metadata_comments(text)
        check_metadata_block(text)
        self._md = self._converter()
        content = self._md.convert(text)
        meta = getattr(self._md, "Meta", {}) or {}
        return content, {name.lower(): " ".join(values).strip() for name, values in meta.items()}

    def _converter(self) -> Markdown:
        """One Markdown instance per reader, reset per file: building one costs more than a role."""
        if getattr(self, "_reused", None) is None:
            self._reused = Markdown(**self.settings["MARKDOWN"])
        return self._reused.reset()


def strip_metadata_comments(text: str) -> str:
    """Drop full-line ``#`` comments from the metadata block (up to the first blank line).

    Comment lines after the metadata block are Markdown headings and stay.
    """
    kept = []
    in_header = True
    for line in text.splitlines(keepends=True):
        if in_header:
            stripped = line.strip()
            if stripped == "":
                in_header = False
            elif stripped.startswith("#"):
                continue
        kept.append(line)
    return "".join(kept)


def check_metadata_block(text: str) -> None:
    """A line that is not 'name: value' would silently end the metadata; say so instead.

    Only checked once the block has started with a metadata line: a file without
    any metadata is reported by the model, field by field.
    """
    lines = text.splitlines()
    if not lines or not (_META_LINE.match(lines[0]) or _META_FENCE.match(lines[0])):
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip() or (number > 1 and _META_FENCE.match(line)):
            return
        if _META_LINE.match(line) or _META_MORE.match(line) or _META_FENCE.match(line):
            continue
        raise SourceFileProblem(
            f"line {number}: {line.strip()!r} is not a 'name: value' metadata line "
            "(names use letters, digits, '_' and '-'; leave a blank line before the "
            "description)"
        )


def _read_text(path: str, limit: int | None) -> str:
    limit = limit or MAX_SOURCE_BYTES
    size = os.path.getsize(path)
    if size > limit:
        raise SourceFileProblem(f"is {size:,} bytes, larger than the {limit:,} limit")
    with open(path, "rb") as handle:
        raw = handle.read()
    if b"\x00" in raw:
        raise SourceFileProblem("contains NUL bytes (binary data, not text)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceFileProblem(
            f"is not UTF-8 text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise SourceFileProblem(
            "is empty (expected metadata lines such as 'Title: …', then the description)"
        )
    control = control_character_problem(text)
    if control:
        raise SourceFileProblem(control)
    return text
