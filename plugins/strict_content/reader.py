"""A Markdown reader that reports every metadata problem of a file instead of guessing."""

from __future__ import annotations

import datetime
import os
import re

from pelican.readers import MarkdownReader

from . import problems

ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"  # date
    r"([ T]\d{2}:\d{2}(:\d{2})?)?"  # optional time
    r"(Z|[+-]\d{2}:?\d{2})?$"  # optional offset
)
DATE_FORMAT_HELP = "expected YYYY-MM-DD or YYYY-MM-DD HH:MM"
# Characters XML 1.0 cannot carry (feeds, sitemaps): in a source they are a paste accident.
_CONTROL_CHARACTER = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def control_character_problem(text: str) -> str | None:
    """Why ``text`` cannot be published (it holds a control character), or None."""
    match = _CONTROL_CHARACTER.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return (
        f"contains the control character U+{ord(match.group()):04X} on line {line} "
        "(invisible, and feeds cannot carry it: delete it)"
    )


def parse_iso_date(value: str) -> datetime.datetime:
    """Parse the one date format we document; raise ValueError for anything else."""
    text = value.strip().replace("_", " ")
    if not ISO_DATE.match(text):
        raise ValueError(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(text)


class StrictMarkdownReader(MarkdownReader):
    """Markdown reader for posts and pages that refuses ambiguous or broken sources."""

    def read(self, source_path):
        self._file_problems = 0
        self._raw_names = []
        self._source_path = source_path
        self._check_raw_bytes(source_path)
        content, metadata = super().read(source_path)
        kind = self._kind_of(source_path)
        self._check_fields(source_path, kind, metadata)
        if self._file_problems:
            raise problems.ContentFileError(source_path)
        return content, metadata

    def _parse_metadata(self, meta):
        self._raw_names = [name.lower() for name in meta]
        return super()._parse_metadata(meta)

    def process_metadata(self, name, value):
        if name in ("date", "modified") and isinstance(value, str):
            try:
                parse_iso_date(value)
            except ValueError:
                self._problem(name, f"cannot parse {value.strip()!r} ({DATE_FORMAT_HELP})")
                return value
        try:
            return super().process_metadata(name, value)
        except ValueError as error:
            self._problem(name, str(error))
            return value

    # -- checks ---------------------------------------------------------------

    def _problem(self, field: str, message: str) -> None:
        self._file_problems = getattr(self, "_file_problems", 0) + 1
        problems.report(self._source_path or "?", field, message)

    def _check_raw_bytes(self, source_path: str) -> None:
        size = os.path.getsize(source_path)
        limit = self.settings.get("STRICT_MAX_SOURCE_BYTES", 1_000_000)
        if size > limit:
            self._problem("file", f"is {size:,} bytes, larger than the {limit:,} limit")
            raise problems.ContentFileError(source_path)
        with open(source_path, "rb") as handle:
            raw = handle.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self._problem("file", f"is not UTF-8 text (bad byte at offset {error.start})")
            raise problems.ContentFileError(source_path) from None
        if not text.strip():
            self._problem("file", "is empty (expected metadata lines, then the text)")
            raise problems.ContentFileError(source_path)
        if "\x00" in text:
            self._problem("file", "contains NUL bytes (binary data, not text)")
            raise problems.ContentFileError(source_path)
        control = control_character_problem(text)
        if control:
            self._problem("file", control)
            raise problems.ContentFileError(source_path)

    def _kind_of(self, source_path: str) -> str:
        relative = os.path.relpath(source_path, self.settings["PATH"])
        for page_dir in self.settings.get("PAGE_PATHS", []):
            if relative == page_dir or relative.startswith(page_dir.rstrip("/") + "/"):
                return "page"
        return "post"

    def _check_fields(self, source_path: str, kind: str, metadata: dict) -> None:
        allowed = self.settings["STRICT_PAGE_FIELDS" if kind == "page" else "STRICT_POST_FIELDS"]
        raw_names = getattr(self, "_raw_names", [])
        for name in raw_names:
            if name not in allowed:
                self._problem(name, f"unknown field (allowed: {', '.join(sorted(allowed))})")
        title = metadata.get("title")
        if not title or not str(title).strip():
            self._problem("title", "is missing or empty")
        if kind == "post" and "date" not in raw_names:
            self._problem("date", f"is missing ({DATE_FORMAT_HELP})")
        status = metadata.get("status")
        statuses = self.settings["STRICT_STATUSES"]
        if status is not None and status not in statuses:
            self._problem("status", f"{status!r} is not allowed (allowed: {', '.join(statuses)})")
