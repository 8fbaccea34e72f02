"""Output files that a build leaves alone when it gives them the same bytes.

Every plugin that writes files itself (feeds, the sitemap) and fastbuild's page
writer go through ``write_if_changed``: unchanged files keep their modification
time, so rsync, HTTP caches and a live-reloading browser see only real changes.
"""

from __future__ import annotations

import os


def write_if_changed(path: str, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly it; True if written.

    A new file (every file of a cold build) costs one open; a missing folder is made.
    """
    try:
        return _write_new(path, data)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            return _write_new(path, data)
        except FileExistsError:
            pass
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except OSError:
        pass
    with open(path, "wb") as handle:
        handle.write(data)
    return True


def _write_new(path: str, data: bytes) -> bool:
    with open(path, "xb") as handle:
        handle.write(data)
    return True
