"""Faster Markdown readers: one reused Markdown instance, results of the parallel pre-pass.

Pelican's MarkdownReader builds a new ``Markdown`` (and every extension) for each
file, which costs about as much as converting a short post. The reader classes made
here keep the site's reader (Pelican's ``MarkdownReader`` or a plugin's subclass of
it) in charge of reading and validation: they only change where the converted HTML
comes from. What they cannot do safely is left to the reader as it is, and said so:
- one Markdown is reused only when every configured extension is one of Python-Markdown's
  own, whose ``reset()`` makes the next file convert as with a new instance;
- files are read by worker processes only when no extension is a configured object
  (Pelican hands the same object to every file's Markdown, in Pelican's order);
- other readers (reStructuredText, HTML, a plugin's own) are not touched.
"""

from __future__ import annotations

from typing import NamedTuple

from markdown import Extension, Markdown
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from . import fallbacks, preread
from .preread import PrereadMixin

_META = "meta"
# Python-Markdown's extensions (``markdown.extensions.<name>``) whose state a
# ``Markdown.reset()`` clears, or that keep none between documents.
RESETS_CLEANLY = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "meta",
        "nl2br",
        "sane_lists",
        "smarty",
        "tables",
        "toc",
        "wikilinks",
    }
)
_OWN_EXTENSIONS = "markdown.extensions."


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
        try:
            with pelican_open(source_path) as text:
                content = self._md.convert(text)
            metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        except BaseException:
            self._reused = None  # a conversion stopped half-way may leave state behind
            raise
        return content, metadata


class ReaderPlan(NamedTuple):
    """What a Markdown configuration allows: reusing one Markdown, reading in workers."""

    reuse: bool
    preread: bool
    why: str = ""  # why not
    example: str = ""  # the extension that decided it


def plan_for(markdown_settings: dict) -> ReaderPlan:
    """Which speed-ups give the same HTML as a new Markdown per file, for this config."""
    configs = markdown_settings.get("extension_configs") or {}
    entries = list(markdown_settings.get("extensions") or ())
    entries += [name for name in configs if name not in entries]  # as MarkdownReader does
    probe = None
    plan = ReaderPlan(True, True)
    for entry in entries:
        shared = isinstance(entry, Extension)
        if shared:
            extension = entry
        else:
            try:
                probe = probe or Markdown()
                extension = probe.build_extension(entry, configs.get(entry, {}))
            except Exception as error:  # Pelican's own reader will say what is wrong
                return ReaderPlan(False, False, f"it cannot be loaded ({error})", str(entry))
        why = _not_resettable(extension)
        if why and shared:  # the strongest restriction: said, and nothing more to learn
            why += "; the same object serves every file, in Pelican's order"
            return ReaderPlan(False, False, why, _name_of(extension))
        if why and plan.reuse:
            plan = ReaderPlan(False, True, why, _name_of(extension))
    return plan


def _name_of(extension: Extension) -> str:
    kind = type(extension)
    return f"{kind.__module__}.{kind.__qualname__}"


def _not_resettable(extension: Extension) -> str:
    """Why a reused Markdown could convert differently with this extension ('' if not)."""
    module = type(extension).__module__
    name = module.removeprefix(_OWN_EXTENSIONS) if module.startswith(_OWN_EXTENSIONS) else ""
    if name not in RESETS_CLEANLY:
        return "an extension that may keep state between files"
    if name == "footnotes" and extension.getConfig("UNIQUE_IDS"):
        return "footnotes with UNIQUE_IDS number their ids per conversion"
    if name == "extra":
        footnotes = extension.config.get("footnotes") or {}
        if isinstance(footnotes, dict) and footnotes.get("UNIQUE_IDS"):
            return "footnotes with UNIQUE_IDS number their ids per conversion"
    return ""


_fast_classes: dict[tuple[type, bool], tuple[type | None, str]] = {}


def fast_reader_class(reader_class: type, reuse: bool = True) -> type | None:
    """``reader_class`` served from the pre-pass (and with one Markdown if ``reuse``).

    The class keeps its name: Pelican stores it in each content's ``reader`` field.
    None if no such class can be made (the reader is then used as it is).
    """
    return _fast_class(reader_class, reuse)[0]


def _fast_class(reader_class: type, reuse: bool) -> tuple[type | None, str]:
    """(the fast class or None, why there is none)."""
    if issubclass(reader_class, PrereadMixin):
        return reader_class, ""
    key = (reader_class, reuse)
    if key not in _fast_classes:
        _fast_classes[key] = _make_class(reader_class, reuse)
    return _fast_classes[key]


def _make_class(reader_class: type, reuse: bool) -> tuple[type | None, str]:
    if not reuse:
        bases = (PrereadMixin, reader_class)
    elif reader_class is MarkdownReader:  # Pelican's own: the reused twin replaces it
        bases = (PrereadMixin, ReusedMarkdownReader)
    else:  # a subclass keeps its methods; its super().read() reaches the reused one
        bases = (PrereadMixin, reader_class, ReusedMarkdownReader)
    namespace = {"__qualname__": reader_class.__qualname__, "__module__": reader_class.__module__}
    try:
        return type(reader_class.__name__, bases, namespace), ""
    except TypeError as error:  # a class layout that cannot take the mixins
        return None, f"it cannot be combined with the fast reader ({error})"


def use_fast_readers(generator) -> None:
    """Swap every Markdown reader of this generator for its fast twin, where that is safe."""
    readers = generator.readers
    plan = None
    for extension, reader in list(readers.readers.items()):
        if not isinstance(reader, MarkdownReader) or isinstance(reader, PrereadMixin):
            continue
        if plan is None:
            plan = plan_for(readers.settings["MARKDOWN"])
            _say(plan, type(reader))
        if not plan.preread:
            continue
        fast_class, why = _fast_class(type(reader), plan.reuse)
        if fast_class is None:
            what = f"{type(reader).__qualname__} reads every file itself, one by one,"
            fallbacks.note(what, why, once=True)
            continue
        readers.readers[extension] = fast_class(readers.settings)
    preread.remember_generator(generator)


def _say(plan: ReaderPlan, reader_class: type) -> None:
    if not plan.preread:
        what = f"{reader_class.__qualname__} reads every file itself, one by one,"
    elif not plan.reuse:
        what = "a new Markdown instance converts each file"
    else:
        return
    fallbacks.note(what, plan.why, plan.example, once=True)
