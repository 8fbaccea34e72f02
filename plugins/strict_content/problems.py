"""One error type for content problems, shared by every plugin of this site.

Plugins call ``report(...)`` for each problem they find while reading sources;
the build stops before anything is written if any were reported, and the build
runner prints one line per problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import blinker


@dataclass(frozen=True, order=True)
class ContentProblem:
    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class ContentProblems(Exception):
    """Raised once, after all sources were read, when any problem was reported."""

    def __init__(self, problems: list[ContentProblem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class ContentFileError(Exception):
    """Raised by a reader so Pelican skips the file; its problems are already reported."""


_collected: list[ContentProblem] = []
_base_dir: str | None = None


def reset(base_dir: str | None = None) -> None:
    """Start a new build: forget earlier problems, set the folder paths are shown from."""
    global _base_dir
    _collected.clear()
    _base_dir = base_dir


def display_path(path: str) -> str:
    """Path as the author knows it: relative to the folder holding ``content/``."""
    if not os.path.isabs(path):
        return path
    base = _base_dir or os.getcwd()
    rel = os.path.relpath(path, base)
    return path if rel.startswith("..") else rel


def report(path: str, field: str, message: str) -> ContentProblem:
    problem = ContentProblem(display_path(path), field, message)
    _collected.append(problem)
    return problem


def collected() -> list[ContentProblem]:
    return list(_collected)


# Sent just before content problems stop a build (no ``finalized`` follows): plugins that
# started work beside the build (share cards, the search index) stop it here.
build_stopped = blinker.signal("strict_content.build_stopped")


def raise_if_any() -> None:
    if _collected:
        build_stopped.send(None)
        raise ContentProblems(list(_collected))
