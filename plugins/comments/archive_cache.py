"""The comment archive as read last build, reused while no file in it has changed.

Reading and rendering every archived comment costs about as much on every build as
on the first; the archive changes rarely (a new comment, an export). The reading is
kept in CACHE_PATH (``buildcache``) under a key made of the state of every file and
folder below the archive (name, size, modification time), the arguments it depends
on and this package's code.
"""

from __future__ import annotations

import hashlib
import os

from plugins import buildcache

from . import model

CACHE_FILE = "comments-archive.pickle"


def read_archive_cached(
    site_settings: dict, root: str, known_slugs, tz, *args
) -> model.ArchiveReading:
    """``model.read_archive(root, known_slugs, tz, *args)``, from the cache when unchanged."""
    if not site_settings.get("CACHE_PATH"):
        return model.read_archive(root, known_slugs, tz, *args)
    key = _key(root, known_slugs, tz, args)
    reading = buildcache.load(site_settings, CACHE_FILE, key)
    if reading is None:
        reading = model.read_archive(root, known_slugs, tz, *args)
        buildcache.save(site_settings, CACHE_FILE, key, reading)
    return reading


def _key(root: str, known_slugs, tz, args: tuple) -> str:
    digest = hashlib.sha256(repr((root, sorted(known_slugs), str(tz), args)).encode())
    digest.update(buildcache.code_digest(__file__, ("markdown", "nh3")).encode())
    for folder, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files) + folders:
            try:
                status = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()
