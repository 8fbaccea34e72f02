"""The cycle collector's tuning lasts exactly one build."""

from __future__ import annotations

import gc

from plugins.fastbuild import collector


def _after_earlier_builds() -> tuple[int, int, int]:
    collector.finish()  # builds in this test process that stopped early (content problems)
    return gc.get_threshold()


def test_a_build_sets_the_collector_aside_and_gives_it_back():
    before = _after_earlier_builds()
    collector.start()
    try:
        assert gc.get_threshold()[0] >= 7000
        assert gc.get_freeze_count() > 0  # what existed at the start is set aside
    finally:
        collector.finish()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failed_build_does_not_stack_up():
    before = _after_earlier_builds()
    collector.start()
    collector.start()  # the next build starts without the failed one finishing
    collector.finish()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
