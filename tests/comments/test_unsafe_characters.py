"""No reader text can stop a build: characters XML rejects, however they are written."""

from __future__ import annotations

import shutil

import pytest
from lxml import etree

from plugins.comments.sanitize import comment_html, plain_text, without_unsafe_characters
from tests.sitebuild import ROOT, build

HOSTILE = [
    "&#1;", "&#x1b;", "&#X1B;", "&#xfffe;", "&#xFFFF;", "&#xd800;", "&#xDFFF;", "&#xfdd0;",
    "&#x1fffe;", "&#1114111;", "&#x110000;", "&#0000001;", "&#99999999999999999999999;",
    "\x01", "\x1b", "\ufffe", "\ud800", "\U0010ffff",
]  # fmt: skip


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_spelling_of_a_bad_character_is_removed(payload):
    for result in (str(comment_html(f"a{payload}b")), plain_text(f"a{payload}b")):
        assert result == "ab"
        etree.fromstring(f"<x>{result}</x>")  # what the feed writer needs


def test_good_references_stay():
    assert str(comment_html("caf&#233; &#x1F600; &#065;")) == "café 😀 A"
    assert without_unsafe_characters("tab\tand\nnewline") == "tab\tand\nnewline"


def test_an_archived_comment_full_of_them_builds_with_valid_feeds(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    # as references: raw control bytes and broken UTF-8 are refused by name (bad inputs)
    references = [p for p in HOSTILE if p.startswith("&#")]
    text = " ".join(f"x{p}y" for p in references)
    (content / "comments" / "still-friends-after-no" / "hostile.md").write_text(
        f"Author: Eve &#x1b;[31m{HOSTILE[0]}\nDate: 2008-03-16 10:00\n\n{text}\n",
        encoding="utf-8",
    )
    site = build(tmp_path / "b", content)
    assert site.report.ok, site.report.problems + site.report.errors
    for feed in (site.output / "feeds" / "comments").rglob("*.xml"):
        etree.parse(str(feed))
    page = site.page("posts/still-friends-after-no/index.html")
    assert "xy xy" in page


def test_names_lose_invisible_characters_and_are_capped():
    from plugins.comments.sanitize import MAX_NAME_LENGTH, author_name

    assert author_name("Maren\u200b Okafor\u200d") == "Maren Okafor"
    assert author_name("\u202eronakO neraM") == "ronakO neraM"
    assert author_name("a\ufeffb\u2060c") == "abc"
    long = author_name("x" * 5000)
    assert len(long) == MAX_NAME_LENGTH and long.endswith("…")


def test_a_5000_letter_name_does_not_widen_a_phone_page(tmp_path):
    from tests.browser import launch_chromium
    from tests.serving import serve

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "comments" / "still-friends-after-no" / "wide.md").write_text(
        f"Author: {'W' * 5000}\nDate: 2008-03-16 10:00\n\n{'word' * 1500}\n", encoding="utf-8"
    )
    site = build(tmp_path / "b", content)
    assert site.report.ok
    with serve(site.output) as url, launch_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{url}/posts/still-friends-after-no/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375


@pytest.mark.parametrize(
    "answer",
    [
        [], "text", 42, None, {"replies": "abc"}, {"replies": {"id": 1}},
        {"replies": [1, "x", None, [], {"id": "x", "mode": 1}]},
        {"replies": [{"id": 1, "mode": 1, "created": 1.0, "author": 5, "text": ["a"],
                      "website": {"u": 1}, "replies": "nope"}]},
    ],
)  # fmt: skip
def test_a_snapshot_answer_of_any_shape_never_breaks_the_build(answer):
    import datetime

    from plugins.comments import snapshot

    if isinstance(answer, dict) and snapshot._is_thread(answer):
        comments = snapshot.threaded_comments(answer, datetime.UTC)
        assert all(c.author for c in comments)
    else:
        assert not snapshot._is_thread(answer)


NONSENSE = [b"[1, 2]", b'"just text"', b'{"replies": "abc"}', b"not json"]


@pytest.mark.parametrize(
    ("counts", "body"),
    [(b"[1]", body) for body in NONSENSE]
    + [(counts, b'{"replies": []}') for counts in
       (b"[1, 2]", b"[true]", b"[-1]", b'["1"]', b"[1.5]", b'{"/posts/talk/": 1}', b"not json")],
)  # fmt: skip
def test_a_server_answering_nonsense_means_no_snapshot_and_one_reason(counts, body):
    import datetime
    import http.server
    import threading

    from plugins.comments import snapshot

    class Nonsense(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the base class's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 - the base class's name: Isso's /count
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(counts)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Nonsense)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = snapshot.fetch_snapshot(url, ["/posts/talk/"], datetime.UTC, timeout=5)
    finally:
        server.shutdown()
    assert not result.by_uri
    assert result.error and "did not answer with comment" in result.error, result.error
