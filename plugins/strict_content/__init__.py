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

# Pelican messages that this plugin replaces with a precise problem line.
_REPLACED_MESSAGES = (
    "Could not process %s",
    "There are %s original (not translated) items %s",
)


class _ReplacedByProblemLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Could not process %s":
            error = sys.exc_info()[1]
            return not isinstance(error, problems.ContentFileError)
        return record.msg not in _REPLACED_MESSAGES


_filter = _ReplacedByProblemLines()


def start_build(pelican) -> None:
    settings.apply_defaults(pelican.settings)
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


def stop_on_problems(pelican) -> None:
    """Runs just before anything is written: no half-built site for a broken source."""
    problems.raise_if_any()


def register() -> None:
    signals.initialized.connect(start_build)
    signals.readers_init.connect(use_strict_reader)
    signals.all_generators_finalized.connect(check_unique_outputs)
    signals.get_writer.connect(stop_on_problems)
