"""The comment archive as read last build, reused while no file in it has changed.

Reading and rendering every archived comment costs about as much on every build as
on the first; the archive changes rarely (a new comment, an export). The reading is
kept in CACHE_PATH with the state of every file and folder below the archive (name,
size, modification time) and the arguments it depends on, and used again only when
all of them are the same, with Pelican's content cache settings
(``CACHE_CONTENT`` to keep it, ``LOAD_CONTENT_CACHE`` to use it).
"""

from __future__ import annotations

import hashlib
import os
import pickle

from . import model

CACHE_FILE = "comments-archive.pickle"
_FORMAT = 1


def read_archive_cached(
    site_settings: dict, root: str, known_slugs, tz, *args
) -> model.ArchiveReading:
    """``model.read_archive(root, known_slugs, tz, *args)``, from the cache when unchanged."""
    cache_path = site_settings.get("CACHE_PATH")
    if not cache_path:
        return model.read_archive(root, known_slugs, tz, *args)
    key = _key(root, known_slugs, tz, args)
    path = os.path.join(cache_path, CACHE_FILE)
    if site_settings.get("LOAD_CONTENT_CACHE"):
        try:
            with open(path, "rb") as handle:
                stored = pickle.load(handle)  # noqa: S301 - our own cache file
            if stored.get("format") == _FORMAT and stored.get("key") == key:
                return stored["reading"]
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass
    reading = model.read_archive(root, known_slugs, tz, *args)
    if site_settings.get("CACHE_CONTENT"):
        os.makedirs(cache_path, exist_ok=True)
        with open(path + ".tmp", "wb") as handle:
            pickle.dump({"format": _FORMAT, "key": key, "reading": reading}, handle)
        os.replace(path + ".tmp", path)
    return reading


def _code_digest() -> str:
    """This package's code and the libraries that render comments."""
    from importlib import metadata

    digest = hashlib.sha256()
    folder = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                digest.update(name.encode() + handle.read())
    for package in ("markdown", "nh3"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()


def _key(root: str, known_slugs, tz, args: tuple) -> str:
    digest = hashlib.sha256(repr((root, sorted(known_slugs), str(tz), args)).encode())
    digest.update(_code_digest().encode())
    for folder, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files) + folders:
            try:
                status = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()
