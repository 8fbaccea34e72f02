"""What the forked processes of a build share: how many to start, log records that travel.

Both the pre-read workers (``preread.py``) and the render helpers (``parallel.py``)
send their log records to the build process, which logs them in Pelican's order.
"""

from __future__ import annotations

import logging
import os
import pickle

from pelican.log import FilteredMessage


def worker_count(settings: dict) -> int:
    """FASTBUILD_WORKERS, or one process per CPU core this process may use."""
    wanted = int(settings.get("FASTBUILD_WORKERS") or 0)
    if wanted > 0:
        return wanted
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def portable_record(record: logging.LogRecord) -> logging.LogRecord:
    """A copy that pickles: arguments kept when they can travel, else merged in."""
    record = logging.makeLogRecord(record.__dict__)
    if record.exc_info:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    try:
        pickle.dumps((record.msg, record.args))
    except Exception:
        record.msg, record.args = record.getMessage(), None
    return record


def replay_record(record: logging.LogRecord) -> None:
    """Log a record made elsewhere (a worker, a helper, the last build) as if made here.

    Pelican's logger class raises ``FilteredMessage`` from its filter when it drops a
    repeated message, and ``RuntimeError`` after a record at its fatal level (``pelican
    --fatal warnings``); only its own ``Logger._log`` expects either. Both are
    handled here the way ``_log`` does, so a replayed line stops a build exactly
    when the same line logged directly would.
    """
    logger = logging.getLogger(record.name)
    try:
        logger.handle(record)
    except FilteredMessage:
        return
    fatal = getattr(type(logger), "fatal_lvl", None)
    if fatal is not None and fatal <= record.levelno != logging.CRITICAL:
        raise RuntimeError("Warning or error encountered")
