"""Fast builds: the same output as plain Pelican, sooner, and rebuilds that only redo changes.

- Markdown sources are read and converted by worker processes while Pelican builds
  its content from their results (``preread.py``), with one reused Markdown instance
  per reader (``reading.py``) and without inline searches that cannot match
  (``inline_markdown.py``); the site's own reader still validates every file.
- Forked helpers render and write most of the blog's pages (and the openings' pages)
  while the build process does the feeds and the bookkeeping (``parallel.py``).
- Pages whose inputs did not change since the last build are not rendered again, and
  files whose bytes did not change are not rewritten (``writer.py``, ``pages.py``,
  ``fingerprint.py``, ``static.py``).
- Pelican's content cache is dropped when the settings, plugins or libraries that
  produced it changed, so a cached build never differs from a fresh one.
- Two quadratic or repeated computations of Pelican itself are made cheap
  (``speedups.py``).
- Python's cycle collector runs less often during a build (``collector.py``).
``FAST_BUILD = False`` turns all of it off; tests/perf compares both builds byte by byte,
for this site and for a plain Pelican site (tests/fixtures/plain_pelican).
Whatever cannot be sped up safely is left to Pelican, and the build says so in one
warning per kind (``fallbacks.py``); a patch of a Pelican or Markdown internal that
finds another version of the code it replaces stays off, with one warning
(``guards.py``). A build that did not load the plugin (in a process where an earlier
build did) is left entirely alone.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os

import pelican
from jinja2 import FileSystemBytecodeCache
from pelican import signals
from pelican.generators import StaticGenerator

from plugins.buildcache import plugin_code_digest

from . import (
    collector,
    fallbacks,
    guards,
    inline_markdown,
    parallel,
    preread,
    settings,
    speedups,
)
from .fingerprint import package_versions, settings_digest
from .reading import use_fast_readers
from .static import copy_only_changed
from .writer import FastWriter, remember_folders

logger = logging.getLogger(__name__)

INPUTS_FILE = "fastbuild-inputs.txt"
_writers: list[FastWriter] = []
_cache_inputs_now: list[str] = []


def start_build(site) -> None:
    site_settings = site.settings
    if settings.loaded(site_settings):  # a build without the plugin keeps its settings
        settings.apply_defaults(site_settings)
        if site_settings["FAST_BUILD"] and not settings.supported_pelican():
            logger.info(
                "fastbuild: off, the build is plain Pelican's: written for Pelican %s.x, "
                "this is Pelican %s",
                settings.PELICAN_SERIES,
                pelican.__version__,
            )
    fast = settings.enabled(site_settings)
    fallbacks.start_build()
    preread.start_build(site_settings)
    _writers.clear()
    _cache_inputs_now.clear()
    remember_folders(False)  # whatever an earlier (failed) build left
    speedups.activate(fast)
    inline_markdown.activate(fast)
    if fast:
        collector.start()
        _guard_content_cache(site_settings)


def _cache_inputs(site_settings: dict) -> str:
    """What Pelican's content cache silently depends on besides the source files."""
    return "\n".join(
        [
            settings_digest(site_settings),
            plugin_code_digest(site_settings),
            package_versions(),
        ]
    )


def _guard_content_cache(site_settings: dict) -> None:
    cache_path = site_settings.get("CACHE_PATH")
    if not cache_path:
        return
    marker = os.path.join(cache_path, INPUTS_FILE)
    current = _cache_inputs(site_settings)
    _cache_inputs_now.append(current)
    if not site_settings.get("LOAD_CONTENT_CACHE"):
        return
    try:
        with open(marker, encoding="utf-8") as handle:
            stored = handle.read()
    except OSError:
        stored = None
    if stored != current:
        if stored is not None:
            logger.info("content cache not used: settings, plugins or libraries changed")
        site_settings["LOAD_CONTENT_CACHE"] = False


def _remember_cache_inputs(site_settings: dict) -> None:
    if not _cache_inputs_now or not site_settings.get("CACHE_CONTENT"):
        return
    current = _cache_inputs_now[-1]
    os.makedirs(site_settings["CACHE_PATH"], exist_ok=True)
    with open(os.path.join(site_settings["CACHE_PATH"], INPUTS_FILE), "w", encoding="utf-8") as f:
        f.write(current)


def prepare_generator(generator) -> None:
    if not settings.enabled(generator.settings):
        return
    generator.generate_output = _flushing_writes(generator.generate_output)
    # Templates cannot change during one build: skip Jinja's stat() on every include.
    generator.env.auto_reload = False
    if generator.settings.get("CACHE_CONTENT") and generator.settings.get("CACHE_PATH"):
        generator.env.bytecode_cache = _compiled_templates(generator.settings)
    if isinstance(generator, StaticGenerator):
        generator.generate_output = copy_only_changed(generator.generate_output)
        return
    if callable(getattr(generator, "generate_pages", None)):  # articles, openings
        generator.generate_output = _with_render_helpers(generator, generator.generate_output)
    use_fast_readers(generator)


def _flushing_writes(generate_output):
    """Every file a generator's output step finished is on disk when the step ends."""

    @functools.wraps(generate_output)
    def generate_output_and_flush(writer):
        try:
            result = generate_output(writer)
        except BaseException:
            if isinstance(writer, FastWriter):
                with contextlib.suppress(OSError):  # the first error is the one to see
                    writer.flush_writes()
            raise
        if isinstance(writer, FastWriter):
            writer.flush_writes()
        return result

    return generate_output_and_flush


def _with_render_helpers(generator, generate_output):
    def generate_output_with_helpers(writer):
        if isinstance(writer, FastWriter):
            return parallel.with_helpers(
                generate_output, generator.generate_pages, writer, generator
            )
        return generate_output(writer)

    return generate_output_with_helpers


class _TemplateBytecode(FileSystemBytecodeCache):
    """Compiled templates kept between builds; read only when the content cache is."""

    def __init__(self, directory: str, load: bool) -> None:
        super().__init__(directory)
        self.load = load

    def load_bytecode(self, bucket) -> None:
        if self.load:
            super().load_bytecode(bucket)


def _compiled_templates(site_settings: dict) -> _TemplateBytecode:
    directory = os.path.join(site_settings["CACHE_PATH"], "templates")
    os.makedirs(directory, exist_ok=True)
    return _TemplateBytecode(directory, bool(site_settings.get("LOAD_CONTENT_CACHE")))


def _sources_read(generators) -> None:
    preread.finish()  # no reader process is left running while pages are written


def provide_writer(site):
    if not settings.enabled(site.settings):
        return None
    if not guards.unchanged(*WRITER_PATCHES):
        return None  # Pelican's own writer: every page rendered here, every file written
    return _RememberedFastWriter


# What FastWriter overrides or copies of Pelican's Writer.
WRITER_PATCHES = (
    "pelican.writers.Writer._open_w",
    "pelican.writers.Writer.write_file",
    "pelican.writers.Writer.write_feed",
)


class _RememberedFastWriter(FastWriter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _writers.append(self)


def finish_build(site) -> None:
    if not settings.enabled(site.settings):
        return
    for writer in _writers:
        writer.flush_writes()
        writer.finish()
    _remember_cache_inputs(site.settings)
    collector.finish()
    fallbacks.report()


def build_stats() -> dict:
    """What the last build did (for the benchmark): workers used, pages rendered/skipped."""
    counts = dict(_writers[-1].counts) if _writers else {}
    return {**preread.stats(), **counts}


def register() -> None:
    speedups.install()
    inline_markdown.install()
    signals.initialized.connect(start_build)
    signals.article_generator_finalized.connect(speedups.index_taxonomies)
    signals.generator_init.connect(prepare_generator)
    signals.all_generators_finalized.connect(_sources_read)
    signals.get_writer.connect(provide_writer)
    signals.finalized.connect(finish_build)
