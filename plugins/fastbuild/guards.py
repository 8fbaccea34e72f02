"""Each patch of a Pelican or Markdown internal, checked against the code it replaces.

fastbuild replaces or copies a few private functions of Pelican and Markdown. Each was
written against one version of them; ``requirements.txt`` pins those versions, but a
pin can be changed. So before a patch goes in, the source of the function it replaces
is compared with a digest of the source it was written against (``WRITTEN_AGAINST``).
When they differ the patch stays off and one warning says which, so an upgrade makes
the build slower, never different. (Run ``python -m plugins.fastbuild.guards`` to print
the digests of the installed versions when updating a patch.)
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
import textwrap

logger = logging.getLogger(__name__)

# Dotted name of each replaced (or copied) function -> digest of its source as written
# in Pelican 4.12.0 and Markdown 3.11.3.
WRITTEN_AGAINST: dict[str, str] = {
    # speedups.py
    "pelican.contents.Content.get_relative_source_path": "6e95273b3a58b453",
    "pelican.contents.Content._expand_settings": "422538b057fbb49b",
    "pelican.contents.Content.url_format": "f541392447ec91fc",
    "pelican.utils.strftime": "0b3c59004b3eaa07",
    # static.py
    "pelican.utils.copy_file": "063503dccf37c765",
    # writer.py (FastWriter overrides these and copies _open_w's overwrite rules)
    "pelican.writers.Writer._open_w": "5fa1ef1be3dcfdd6",
    "pelican.writers.Writer.write_file": "e81283da04c4584f",
    "pelican.writers.Writer.write_feed": "ddb5e77c4b0a6008",
    # preread.py (reads the reader cache's entries)
    "pelican.cache.FileDataCacher.__init__": "0ea7a177ede451bc",
    "pelican.cache.FileStampDataCacher.get_cached_data": "47b497a90581078e",
    # inline_markdown.py (Markdown's private inline handler)
    "markdown.treeprocessors.InlineProcessor.run": "e50942f84c646f73",
    "markdown.treeprocessors.InlineProcessor._InlineProcessor__handleInline": "3689d89c43d2be73",
    "markdown.treeprocessors.InlineProcessor._InlineProcessor__applyPattern": "d5690766992c3841",
}

_checked: dict[str, bool] = {}
# The functions as they were before fastbuild patched them, by name.
_originals: dict[str, object] = {}


def _resolve(name: str):
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found.fget if isinstance(found, property) else found
    raise ImportError(name)


def source_digest(function) -> str:
    """A digest of a function's source text (independent of the Python version)."""
    source = textwrap.dedent(inspect.getsource(function))
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def original(name: str, default=None):
    """The function ``name`` as it is now, before a patch replaces it: call this when the
    patching module is imported, and keep what it returns to call the original."""
    try:
        found = _resolve(name)
    except (ImportError, AttributeError):
        return default
    _originals.setdefault(name, found)
    return _originals[name]


def current_digest(name: str) -> str:
    """The digest of the installed code of ``name`` (as it was before any patch)."""
    try:
        return source_digest(_originals.get(name) or _resolve(name))
    except (ImportError, AttributeError, OSError, TypeError):
        return "missing"


def unchanged(*names: str) -> bool:
    """True when every named function is the one its patch was written against.

    The first time a name does not match, one warning names it; the caller leaves its
    patch off.
    """
    ok = True
    for name in names:
        if name not in _checked:
            expected = WRITTEN_AGAINST.get(name)
            found = current_digest(name)
            _checked[name] = expected is not None and found == expected
            if not _checked[name]:
                logger.warning(
                    "fastbuild: %s is not the code its speed-up was written against "
                    "(digest %s, expected %s); that speed-up stays off: the build is "
                    "slower, its output the same",
                    name,
                    found,
                    expected,
                )
        ok = ok and _checked[name]
    return ok


def forget() -> None:
    """For tests: check every name again."""
    _checked.clear()


if __name__ == "__main__":
    for dotted in WRITTEN_AGAINST:
        print(f'    "{dotted}": "{current_digest(dotted)}",')
