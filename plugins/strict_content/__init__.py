"""Strict content: every broken source stops the build with one line per problem.

Other plugins of this site report their problems through ``strict_content.problems``
so the author sees them all at once, in the same ``path: field: message`` form.
"""

from __future__ import annotations

import logging
import os
import sys

from pelican import signals

from . import problems, settings
from .contents import all_contents
from .reader import StrictMarkdownReader

# Pelican's messages about a file it could not read: this plugin reports the reason.
_COULD_NOT_PROCESS = "Could not process %s"
# Pelican's warnings about several sources with one slug (pelican.utils builds the
# message from one of these, then a line per source path).
_SAME_SLUG = (
    'There are %s items "%s" with lang %s',
    "There are %s original (not translated) items %s",
)


class _ReplacedByProblemLines(logging.Filter):
    """Drops Pelican's lines that a problem line of this plugin says better.

    Same-slug warnings are held back until the slug check has run: dropped when it
    reported one of their files, passed on as they were otherwise (nothing is lost).
    """

    def __init__(self) -> None:
        super().__init__()
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _COULD_NOT_PROCESS:
            error = sys.exc_info()[1]
            return not isinstance(error, problems.ContentFileError)
        if isinstance(record.msg, str) and record.msg.startswith(_SAME_SLUG):
            self.held.append(record)
            return False
        return True

    def release(self, reported_paths: set[str]) -> None:
        held, self.held = self.held, []
        for record in held:
            paths = {problems.display_path(str(a)) for a in record.args or () if _is_path(a)}
            if paths & reported_paths:
                continue
            # Straight to the handlers: the logger's filters have seen it once already.
            logging.getLogger(record.name).callHandlers(record)


def _is_path(value) -> bool:
    return isinstance(value, str) and os.path.isabs(value)


_filter = _ReplacedByProblemLines()


class _ProblemLinesNotTraceback(logging.Filter):
    """Under Pelican's own CLI: the problem lines instead of a traceback.

    ``pelican`` logs any exception that stops a build as CRITICAL with its traceback
    (and ``pelican -r`` as a warning that keeps watching); for content problems the
    author needs the ``path: field: message`` lines, one each, and nothing else. The
    exit code stays Pelican's own (1).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, problems.ContentProblems):
            error = next(
                (a for a in record.args or () if isinstance(a, problems.ContentProblems)),
                None,
            )
        if not isinstance(error, problems.ContentProblems):
            return True
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"Build stopped: {count} content problem(s); nothing was written.", file=sys.stderr)
        sys.stderr.flush()
        return False


_cli_filter = _ProblemLinesNotTraceback()


def start_build(pelican) -> None:
    settings.apply_defaults(pelican.settings)
    _filter.held.clear()
    problems.reset(os.path.dirname(os.path.normpath(pelican.settings["PATH"])))
    for name in ("pelican.generators", "pelican.utils"):
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


def use_strict_reader(readers) -> None:
    for extension in StrictMarkdownReader.file_extensions:
        readers.reader_classes[extension] = StrictMarkdownReader


def check_unique_outputs(generators) -> None:
    """Two sources writing the same page would silently lose one of them."""
    owners: dict[str, str] = {}
    for content in all_contents(generators):
        if not str(getattr(content, "slug", "") or "").strip("-"):
            problems.report(
                content.source_path,
                "slug",
                f"the title {str(content.title)!r} gives an empty page address "
                "(add a line such as 'Slug: my-post')",
            )
            continue
        save_as = getattr(content, "save_as", None)
        if not save_as:
            continue
        source = content.source_path
        if save_as in owners and owners[save_as] != source:
            problems.report(
                source,
                "slug",
                f"{content.slug!r} is also used by "
                f"{problems.display_path(owners[save_as])} (both would be {save_as})",
            )
        else:
            owners[save_as] = source
    # A same-slug warning lists every file with that slug: one of them has its line.
    _filter.release({p.path for p in problems.collected() if p.field == "slug"})


def stop_on_problems(pelican) -> None:
    """Runs just before anything is written: no half-built site for a broken source."""
    problems.raise_if_any()


def register() -> None:
    cli_logger = logging.getLogger("pelican")
    if _cli_filter not in cli_logger.filters:
        cli_logger.addFilter(_cli_filter)
    signals.initialized.connect(start_build)
    signals.readers_init.connect(use_strict_reader)
    signals.all_generators_finalized.connect(check_unique_outputs)
    signals.get_writer.connect(stop_on_problems)
