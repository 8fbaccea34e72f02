"""Page keys: what a rendered page depends on, so an unchanged page is not rendered again.

A page's key digests the template (with everything it extends, includes or imports),
the values of exactly the variables those templates read (found by Jinja's own
analysis of the template source), the page's place in the output, and the site-wide
inputs (settings, theme, plugin code, library versions, every content's URL, the
date). If any of them changes, the key changes and the page is rendered.
"""

from __future__ import annotations

import datetime
import os
import pickle

from jinja2 import TemplateNotFound, meta, nodes

from plugins.buildcache import digest_files, plugin_code_digest

from . import fallbacks
from .fingerprint import (
    Digester,
    Unstable,
    new_hash,
    package_versions,
    settings_digest,
)

MEMO_FILE = "fastbuild-pages.pickle"
_ALWAYS_RENDERED = "pages rendered on every build"
_MISSING = b"<missing>"
_MEMO_FORMAT = 1


def site_key(settings: dict, context: dict) -> bytes:
    """Everything every page may depend on without naming it in a template."""
    hasher = new_hash()
    hasher.update(settings_digest(settings).encode())
    theme_folders = [settings.get("THEME", ""), *settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    hasher.update(digest_files(theme_folders).encode())
    hasher.update(plugin_code_digest(settings).encode())
    hasher.update(package_versions().encode())
    hasher.update(datetime.date.today().isoformat().encode())
    # Links between contents resolve to these URLs (a changed slug moves every link).
    for key in ("generated_content", "static_content"):
        for source, content in sorted(context.get(key, {}).items()):
            hasher.update(f"{key}:{source}>".encode())
            if content is not None and key == "generated_content":
                hasher.update(str(content.url).encode())  # Static.url has side effects
            hasher.update(b"\0")
    return hasher.digest()


def uses_relocating_links(context: dict) -> bool:
    """{attach} moves a static file when a page first shows the link (in any process).

    Such builds render every page, in the build process (a summary can hold one too).
    """
    for content in context.get("generated_content", {}).values():
        texts = [getattr(content, "_content", None)]
        texts += list((getattr(content, "metadata", None) or {}).values())
        for text in texts:
            if isinstance(text, str) and ("{attach}" in text or "|attach|" in text):
                return True
    return False


# (template name, digest of its source) -> what parsing it tells: kept for the whole
# process (the dev server builds many times) and in the page memo between builds.
_parsed_templates: dict[tuple[str, bytes], tuple[frozenset, tuple, tuple]] = {}


def _parse(environment, name: str, source: str) -> tuple[bytes, tuple[frozenset, tuple, tuple]]:
    """(source digest, (undeclared variables, referenced templates, callables used))."""
    hasher = new_hash()
    hasher.update(name.encode() + b"\0" + source.encode())
    digest = hasher.digest()
    found = _parsed_templates.get((name, digest))
    if found is None:
        tree = environment.parse(source)
        used = set()
        for node in tree.find_all((nodes.Filter, nodes.Test, nodes.Call)):
            if isinstance(node, nodes.Filter):
                used.add(("filter", node.name))
            elif isinstance(node, nodes.Test):
                used.add(("test", node.name))
            elif isinstance(node.node, nodes.Name):
                used.add(("global", node.node.name))
        found = (
            frozenset(meta.find_undeclared_variables(tree)),
            tuple(meta.find_referenced_templates(tree)),
            tuple(sorted(used)),
        )
        _parsed_templates[(name, digest)] = found
    return digest, found


class TemplateInputs:
    """Which variables a template reads, following extends, include and import."""

    def __init__(self, environment) -> None:
        self.environment = environment
        self._closures: dict[str, tuple[frozenset, bytes] | None] = {}

    def of(self, name: str) -> tuple[frozenset, bytes] | None:
        """(variable names, digest of every source involved), or None if unknowable."""
        found = self._closures.get(name, False)
        if found is False:
            found = self._closures[name] = self._analyse(name, set())
        return found

    def _analyse(self, name: str, visiting: set) -> tuple[frozenset, bytes] | None:
        if name in visiting:
            return frozenset(), b""
        visiting.add(name)
        try:
            source = self.environment.loader.get_source(self.environment, name)[0]
        except TemplateNotFound:
            return frozenset(), b"<absent:" + name.encode() + b">"
        digest, (names, referenced_templates, used) = _parse(self.environment, name, source)
        if self._reads_whole_context(used):
            return None
        names = set(names)
        hasher = new_hash()
        hasher.update(digest)
        for referenced in referenced_templates:
            if referenced is None:  # a template chosen at render time
                return None
            found = self._analyse(referenced, visiting)
            if found is None:
                return None
            names |= found[0]
            hasher.update(found[1])
        return frozenset(names), hasher.digest()

    def _reads_whole_context(self, used: tuple) -> bool:
        """A filter, test or function of ours that receives the whole render context."""
        env = self.environment
        tables = {"filter": env.filters, "test": env.tests, "global": env.globals}
        for kind, name in used:
            function = tables[kind].get(name)
            pass_arg = getattr(function, "jinja_pass_arg", None)
            module = getattr(function, "__module__", "") or ""
            if getattr(pass_arg, "name", "") == "context" and not module.startswith("jinja2"):
                return True
        return False


class PageKeys:
    """Computes keys for pages and feeds of one build."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.digester = Digester()
        self.site: bytes | None = None
        self._inputs: dict[int, TemplateInputs] = {}
        # name -> (value, digest): most variables hold the same object on every page.
        self._last: dict[str, tuple[object, bytes]] = {}

    def start(self, context: dict) -> None:
        if self.site is None:
            self.site = site_key(self.settings, context)

    def page(self, template, localcontext: dict) -> bytes | None:
        environment = template.environment
        inputs = self._inputs.get(id(environment))
        if inputs is None:
            inputs = self._inputs[id(environment)] = TemplateInputs(environment)
        found = inputs.of(template.name) if template.name else None
        if found is None:
            fallbacks.note(
                _ALWAYS_RENDERED,
                "the template passes its whole context to a function, or includes a "
                "template chosen while rendering",
                template.name or localcontext.get("output_file", ""),
            )
            return None
        names, sources = found
        hasher = new_hash()
        hasher.update(self.site + sources)
        for fixed in ("output_file", "localsiteurl", "SITEURL"):
            hasher.update(f"{fixed}={localcontext.get(fixed)!r}\0".encode())
        try:
            for name in sorted(names):
                hasher.update(
                    name.encode() + b"=" + self._variable(name, localcontext, environment)
                )
        except Unstable as error:
            why = f"a value it shows cannot be keyed ({error})"
            fallbacks.note(_ALWAYS_RENDERED, why, localcontext.get("output_file", ""))
            return None
        return hasher.digest()

    def _variable(self, name: str, localcontext: dict, environment) -> bytes:
        if name in localcontext:
            value = localcontext[name]
        elif name in environment.globals:
            value = environment.globals[name]
        else:
            return _MISSING
        last = self._last.get(name)
        if last is not None and last[0] is value:
            return last[1]
        digest = self.digester.value(value)
        self._last[name] = (value, digest)
        return digest

    def feed(self, elements, context: dict, path, url, feed_type, feed_title) -> bytes | None:
        hasher = new_hash()
        hasher.update(self.site)
        fixed = (path, url, feed_type, feed_title) + tuple(
            context.get(name)
            for name in ("SITEURL", "FEED_DOMAIN", "SITENAME", "SITESUBTITLE", "localsiteurl")
        )
        hasher.update(repr(fixed).encode())
        limit = self.settings.get("FEED_MAX_ITEMS")
        try:
            for element in list(elements)[:limit]:
                hasher.update(self.digester.value(element))
        except Unstable as error:
            why = f"an entry cannot be keyed ({error})"
            fallbacks.note("feeds built on every build", why, path)
            return None
        return hasher.digest()


class PageMemo:
    """Output path -> (key, size, mtime) of the last build, plus what it logged."""

    def __init__(self, cache_path: str) -> None:
        self.path = os.path.join(cache_path, MEMO_FILE)
        self.site: bytes | None = None
        self.previous: dict[str, tuple] = {}
        self.current: dict[str, tuple] = {}

    def load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                stored = pickle.load(handle)  # noqa: S301 - our own cache file
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return
        if isinstance(stored, dict) and stored.get("format") == _MEMO_FORMAT:
            self.site = stored["site"]
            self.previous = stored["pages"]
            _parsed_templates.update(stored.get("templates", {}))

    def forget_if_site_changed(self, site: bytes) -> None:
        if self.site != site:
            self.previous = {}
        self.site = site

    def unchanged(self, path: str, key: bytes | None) -> tuple | None:
        """The stored entry if ``path`` was written from ``key`` and is untouched since."""
        entry = self.previous.get(path)
        if key is None or entry is None or entry[0] != key:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        if (status.st_size, status.st_mtime_ns) != entry[1:3]:
            return None
        return entry

    def keep(self, path: str, entry: tuple) -> None:
        self.current[path] = entry

    def record(self, path: str, key: bytes | None, records: list) -> None:
        if key is None:
            self.current.pop(path, None)
            return
        status = os.stat(path)
        self.current[path] = (key, status.st_size, status.st_mtime_ns, records)

    def save(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        temporary = self.path + ".tmp"
        with open(temporary, "wb") as handle:
            pickle.dump(
                {
                    "format": _MEMO_FORMAT,
                    "site": self.site,
                    "pages": self.current,
                    "templates": _parsed_templates,
                },
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        os.replace(temporary, self.path)
