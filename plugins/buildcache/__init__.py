"""Values kept in CACHE_PATH from one build to the next, the way Pelican keeps content.

Not a Pelican plugin (nothing to register): a helper for plugins whose work gives
the same result while its inputs stay the same (the comment archive, per-post text
statistics). Output files left alone when unchanged are in ``output.py``.
Pelican's own cache settings decide: ``LOAD_CONTENT_CACHE`` to use what
the last build kept, ``CACHE_CONTENT`` to keep it for the next. A stored value is
used only under the same key, and every key includes the code that made the value
(the plugin's source files and the versions of the libraries it names).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable
from importlib import metadata

_FORMAT = 1


def digest_files(folders: Iterable[str], suffixes: tuple[str, ...] | None = None) -> str:
    """Names and bytes of every file below ``folders`` (sorted, so order-independent)."""
    hasher = hashlib.blake2b(digest_size=20)
    for folder in folders:
        if os.path.isfile(folder):  # a single-module plugin
            with open(folder, "rb") as handle:
                hasher.update(os.path.basename(folder).encode() + b"\0" + handle.read())
            continue
        if not folder or not os.path.isdir(folder):
            hasher.update(f"missing:{folder}\n".encode())
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if suffixes and not name.endswith(suffixes):
                    continue
                path = os.path.join(dirpath, name)
                hasher.update(os.path.relpath(path, folder).encode() + b"\0")
                with open(path, "rb") as handle:
                    hasher.update(handle.read())
                hasher.update(b"\0")
    return hasher.hexdigest()


def file_version(path: str) -> str:
    """A short digest of a theme file's bytes, for ``?v=`` cache-busting (missing: of nothing)."""
    digest = hashlib.sha256()
    if os.path.exists(path):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:10]


def plugin_folders(settings: dict) -> list[str]:
    """Source folders of the site's plugins: each plugin's top-level package, once.

    Plugins import their siblings (``plugins.openings`` uses ``plugins.buildcache``),
    so the whole top-level package counts, not just the plugin's own folder.
    """
    folders: set[str] = set()
    for plugin in settings.get("PLUGINS") or ():
        name = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        module = sys.modules.get(name.split(".", 1)[0])
        file = getattr(module, "__file__", None)
        if file:
            top = os.path.dirname(os.path.abspath(file))
            folders.add(top if os.path.basename(file) == "__init__.py" else file)
        else:  # not imported (yet): its name still changes the key
            folders.add(f"plugin:{name}")
    return sorted(folders)


# Digest of each plugin folder as it was when this process loaded it (or, for a
# package that does not say, first used it): the code that actually runs. A file
# edited afterwards (a watcher rebuilding in one process) does not change the key, so
# a later fresh build never trusts output made by the old code.
_code_as_loaded: dict[str, str] = {}


def remember_loaded_code(package_file: str) -> None:
    """Called by a plugin package as it is imported: its code digest, as loaded."""
    folder = os.path.dirname(os.path.abspath(package_file))
    _code_as_loaded.setdefault(folder, digest_files([folder], (".py",)))


def plugin_code_digest(settings: dict) -> str:
    """Digest of the Python code of every plugin the site loads, as loaded."""
    parts = []
    for folder in plugin_folders(settings):
        if folder not in _code_as_loaded:
            _code_as_loaded[folder] = digest_files([folder], (".py",))
        parts.append(_code_as_loaded[folder])
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def code_digest(module_file: str, libraries: tuple[str, ...] = ()) -> str:
    """The source of the package holding ``module_file``, and library versions."""
    digest = hashlib.sha256()
    digest.update(digest_files([os.path.dirname(os.path.abspath(module_file))], (".py",)).encode())
    for package in ("pelican", *libraries):
        try:
            digest.update(f"{package}={metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=?\n".encode())
    return digest.hexdigest()


def _path(settings: dict, name: str) -> str | None:
    folder = settings.get("CACHE_PATH")
    return os.path.join(folder, name) if folder else None


def load(settings: dict, name: str, key: str, default=None):
    """What the last build saved as ``name`` under ``key``; ``default`` otherwise."""
    path = _path(settings, name)
    if path is None or not settings.get("LOAD_CONTENT_CACHE"):
        return default
    try:
        with open(path, "rb") as handle:
            stored = pickle.load(handle)  # noqa: S301 - our own cache file
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return default
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
        return default
    if stored.get("key") != key:
        return default
    return stored.get("value", default)


def save(settings: dict, name: str, key: str, value) -> None:
    """Keep ``value`` for the next build (only when Pelican keeps its content cache)."""
    path = _path(settings, name)
    if path is None or not settings.get("CACHE_CONTENT"):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        pickle.dump(
            {"format": _FORMAT, "key": key, "value": value},
            handle,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    os.replace(temporary, path)
