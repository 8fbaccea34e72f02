"""Pagefind's bundle in one fixed order, so the same site always gives the same files.

Pagefind 1.5 writes its filter index from hash maps seeded at random in each run: the
values inside each filter file, and the list of filters in the language's metadata
file, come out in a different order every time (so do those files' names, which are
digests of their contents). Upstream knows (Pagefind issue #638: "other files will
still change, such as the filter/metadata indexes"). Everything else Pagefind writes is
already stable. This module sorts exactly those two lists and renames the files it
rewrote; searching is unaffected (the client looks filters up by name and value).

It understands only what it must: the gzip + ``pagefind_dcd`` + CBOR framing of those
files and their top-level shape. Anything else (a new Pagefind version, a file that
does not re-encode to its own bytes) stops with ``SearchIndexError`` rather than
guessing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os

_MAGIC = b"pagefind_dcd"


class BundleFormatError(Exception):
    """The bundle is not laid out the way this module knows."""


def canonicalise(bundle: str) -> None:
    """Rewrite ``bundle``'s filter files and metadata in sorted order, in place."""
    entry_path = os.path.join(bundle, "pagefind-entry.json")
    with open(entry_path, encoding="utf-8") as handle:
        entry = json.load(handle)
    languages = entry.get("languages")
    if not isinstance(languages, dict):
        raise BundleFormatError("pagefind-entry.json has no languages")
    for language in languages.values():
        language["hash"] = _canonical_language(bundle, language["hash"])
    entry["languages"] = dict(sorted(languages.items()))
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    with open(entry_path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _canonical_language(bundle: str, meta_hash: str) -> str:
    """Sort one language's filters; returns the new hash of its metadata file."""
    prefix = meta_hash.split("_", 1)[0]
    meta_path = os.path.join(bundle, f"pagefind.{meta_hash}.pf_meta")
    meta = _read(meta_path)
    if not (isinstance(meta, list) and len(meta) == 6 and _pairs(meta[3]) and _pairs(meta[4])):
        raise BundleFormatError(f"{os.path.basename(meta_path)}: unknown metadata layout")
    filters = []
    for name, chunk_hash in meta[3]:
        filters.append([name, _canonical_filter(bundle, prefix, chunk_hash)])
    meta[3] = sorted(filters)
    meta[4] = sorted(meta[4], key=lambda sort: sort[0])
    data = _frame(meta)
    new_hash = f"{prefix}_{_digest(data)[:10]}"
    os.remove(meta_path)
    _write(os.path.join(bundle, f"pagefind.{new_hash}.pf_meta"), data)
    return new_hash


def _canonical_filter(bundle: str, prefix: str, chunk_hash: str) -> str:
    path = os.path.join(bundle, "filter", f"{chunk_hash}.pf_filter")
    chunk = _read(path)
    if not (isinstance(chunk, list) and len(chunk) == 2 and _pairs(chunk[1])):
        raise BundleFormatError(f"filter/{chunk_hash}.pf_filter: unknown filter layout")
    chunk[1] = sorted(chunk[1], key=lambda value: value[0])
    data = _frame(chunk)
    new_hash = f"{prefix}_{_digest(data)[:7]}"
    os.remove(path)
    _write(os.path.join(bundle, "filter", f"{new_hash}.pf_filter"), data)
    return new_hash


def _pairs(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) for item in value
    )


def _read(path: str):
    with open(path, "rb") as handle:
        plain = gzip.decompress(handle.read())
    if not plain.startswith(_MAGIC):
        raise BundleFormatError(f"{os.path.basename(path)}: not a Pagefind data file")
    value, end = _decode(plain, len(_MAGIC))
    if end != len(plain) or _encode(value) != plain[len(_MAGIC) :]:
        raise BundleFormatError(f"{os.path.basename(path)}: does not re-encode to its own bytes")
    return value


def _frame(value) -> bytes:
    return _MAGIC + _encode(value)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(gzip.compress(data, compresslevel=9, mtime=0))


def _digest(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


# -- the CBOR subset these files use: integers, text, arrays (definite, shortest) --------


def _decode(data: bytes, at: int):
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        argument = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise BundleFormatError(f"CBOR item {head:#x} is not supported")
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major == 3:
        return data[at : at + argument].decode("utf-8"), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise BundleFormatError(f"CBOR major type {major} is not supported")


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes((major << 5 | argument,))
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes((major << 5 | info,)) + argument.to_bytes(size, "big")
    raise BundleFormatError("integer too large for CBOR")


def _encode(value) -> bytes:
    if isinstance(value, bool):
        raise BundleFormatError("CBOR booleans are not supported")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(item) for item in value)
    raise BundleFormatError(f"cannot encode {type(value).__name__}")
