"""Faster Markdown readers: one reused Markdown instance, results of the parallel pre-pass.

Pelican's MarkdownReader builds a new ``Markdown`` (and every extension) for each
file, which costs about as much as converting a short post. The reader classes made
here keep the site's own reader (``StrictMarkdownReader``) in charge of validation:
they only change where the converted HTML comes from.
"""

from __future__ import annotations

from markdown import Markdown
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from . import preread

_META = "meta"


class ReusedMarkdownReader(MarkdownReader):
    """Converts every file with the same ``Markdown`` instance, reset in between."""

    _reused: Markdown | None = None
    _meta_registration: tuple | None = None

    def _markdown(self) -> Markdown:
        md = self._reused
        if md is None:
            md = self._reused = Markdown(**self.settings["MARKDOWN"])
            for item in md.preprocessors._priority:
                if item.name == _META:
                    self._meta_registration = (md.preprocessors[_META], item.priority)
            return md
        # MarkdownReader._parse_metadata deregisters "meta" to convert formatted fields.
        if self._meta_registration and _META not in md.preprocessors:
            processor, priority = self._meta_registration
            md.preprocessors.register(processor, _META, priority)
        return md.reset()

    def read(self, source_path):
        """Same steps as MarkdownReader.read, minus building a new Markdown."""
        self._source_path = source_path
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata


class PrereadMixin:
    """Serves a file from the parallel pre-pass when it has it, else reads it here."""

    def read(self, source_path):
        found = preread.take(source_path, self)
        if found is None:
            return self.read_here(source_path)
        return found.replay()

    def read_here(self, source_path):
        return super().read(source_path)


_fast_classes: dict[type, type] = {}


def fast_reader_class(reader_class: type) -> type:
    """``reader_class`` (e.g. StrictMarkdownReader) with pre-read results and one Markdown.

    The class keeps its name: Pelican stores it in each content's ``reader`` field.
    """
    if issubclass(reader_class, PrereadMixin):
        return reader_class
    found = _fast_classes.get(reader_class)
    if found is None:
        found = type(
            reader_class.__name__,
            (PrereadMixin, reader_class, ReusedMarkdownReader),
            {"__qualname__": reader_class.__qualname__, "__module__": reader_class.__module__},
        )
        _fast_classes[reader_class] = found
    return found


def use_fast_readers(generator) -> None:
    """Swap every Markdown reader of this generator for its fast twin."""
    readers = generator.readers
    for extension, reader in list(readers.readers.items()):
        if isinstance(reader, MarkdownReader) and not isinstance(reader, PrereadMixin):
            readers.readers[extension] = fast_reader_class(type(reader))(readers.settings)
    preread.remember_generator(generator)
