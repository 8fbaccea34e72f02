"""What a deploy did (or would do), and a progress bar while it uploads."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import TextIO


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} B"  # pragma: no cover


@dataclass
class Summary:
    """The outcome of one deploy: file counts by fate, bytes sent, time taken."""

    destination: str
    uploaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    unchanged_site: bool = False  # --if-changed found nothing new: nothing was sent

    def plan_lines(self) -> list[str]:
        """One line per changed file: what a dry run prints."""
        return [f"upload {path}" for path in self.uploaded] + [
            f"delete {path}" for path in self.deleted
        ]

    def line(self) -> str:
        if self.unchanged_site:
            return (
                f"Nothing to publish: the built site is identical to what went to "
                f"{self.destination} last; nothing uploaded, no updates sent."
            )
        if self.dry_run:
            return (
                f"Dry run for {self.destination}, nothing changed: "
                f"{len(self.uploaded)} to upload, {self.unchanged} unchanged, "
                f"{len(self.deleted)} to delete, {human_bytes(self.bytes)}."
            )
        return (
            f"Published to {self.destination}: {len(self.uploaded)} uploaded, "
            f"{self.unchanged} unchanged, {len(self.deleted)} deleted, "
            f"{human_bytes(self.bytes)} in {self.seconds:.2f} s."
        )


class Progress:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(
        self,
        total_files: int,
        total_bytes: int,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ):
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled if enabled is not None else bool(isatty and isatty())
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.files = 0
        self.bytes = 0
        self._drawn = False

    def advance(self, path: str, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.enabled:
            self._draw(path)

    def _draw(self, path: str) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        done = self.files / self.total_files if self.total_files else 1.0
        bar_width = 24
        filled = min(bar_width, int(done * bar_width))
        text = (
            f"[{'#' * filled}{'-' * (bar_width - filled)}] "
            f"{self.files}/{self.total_files} files {human_bytes(self.bytes)} {path}"
        )
        self.stream.write("\r" + text[: width - 1].ljust(width - 1))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
