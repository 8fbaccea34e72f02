"""Who renders which page on a cold build: every render call has exactly one owner."""

from __future__ import annotations

import multiprocessing
import threading

from plugins.fastbuild.parallel import Share


def _shares(size: int, helpers: int = 1) -> list[Share]:
    context = multiprocessing.get_context("fork")
    claims = context.RawArray("B", size)
    lock = threading.Lock()
    return [Share(renderer, claims, lock) for renderer in range(helpers + 1)]


def _walk(order: list[int], shares: list[Share], calls: int) -> dict[int, list[int]]:
    """Each process makes ``calls`` render calls; ``order`` says who moves next."""
    rendered: dict[int, list[int]] = {}
    moves = iter(order)
    while any(share.calls < calls for share in shares):
        who = next(moves, None)
        share = shares[who] if who is not None else min(shares, key=lambda s: s.calls)
        if share.calls >= calls:
            continue
        index, mine = share.next_call()
        if mine:
            rendered.setdefault(index, []).append(share.renderer)
    return rendered


def test_every_call_is_rendered_once_and_owners_agree():
    main, helper = _shares(64)
    # The helper runs far ahead (the build process writes feeds first), then both move.
    rendered = _walk([1] * 20 + [0, 1] * 40, [main, helper], calls=50)
    assert sorted(rendered) == list(range(50))
    assert all(len(who) == 1 for who in rendered.values())
    for index, (who,) in rendered.items():
        assert main.owner(index) == who == helper.owner(index)


def test_a_process_that_always_arrives_second_still_gets_pages():
    main, helper = _shares(256)
    # Lockstep, helper first at every call: without claiming ahead, the build process
    # would only ever find taken calls and render nothing.
    rendered = _walk([1, 0] * 200, [main, helper], calls=200)
    by_main = [index for index, who in rendered.items() if who == [0]]
    assert len(rendered) == 200 and all(len(who) == 1 for who in rendered.values())
    assert 50 <= len(by_main) <= 150  # about half each


def test_a_following_process_claims_at_most_one_call_ahead():
    main, helper = _shares(256)
    for _ in range(30):  # the helper took calls 0..29
        assert helper.next_call()[1]
    for _ in range(10):  # the build process catches up on taken calls
        index, mine = main.next_call()
        assert not mine
    assert [main.owner(i) for i in range(30, 34)] == [0, -1, -1, -1]


def test_calls_past_the_table_belong_to_the_build_process():
    main, helper = _shares(4)
    for _ in range(4):
        helper.next_call()
    assert helper.next_call() == (4, False)
    assert main.owner(4) == 0
    for _ in range(4):
        main.next_call()
    assert main.next_call() == (4, True)


def test_several_helpers_share_without_overlap():
    shares = _shares(512, helpers=3)
    order = [1, 2, 3] * 30 + [0, 3, 1, 2, 0, 0, 2] * 60
    rendered = _walk(order, shares, calls=300)
    assert sorted(rendered) == list(range(300))
    assert all(len(who) == 1 for who in rendered.values())
    assert {who[0] for who in rendered.values()} == {0, 1, 2, 3}
