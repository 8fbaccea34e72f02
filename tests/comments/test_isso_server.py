"""The real Isso server with our config: moderation, hostile input, rate limits, snapshot."""

from __future__ import annotations

import itertools
import json

import pytest
from bs4 import BeautifulSoup

from sitekit.comments.moderation import approve_comment, pending_comments
from tests.comments.conftest import ARTICLE, reader_address, write_comment
from tests.sitebuild import build

pytestmark = pytest.mark.server
_threads = itertools.count(1)


def new_thread() -> str:
    return f"/posts/t{next(_threads)}/"


def test_new_comments_wait_for_approval_and_are_invisible_until_then(client, isso):
    uri = new_thread()
    posted = client.post(uri, "Waiting for the author to approve this.", author="Ann")
    assert posted.status == 202, posted
    assert posted.json()["mode"] == 2
    assert client.public_thread(uri)["total_replies"] == 0
    # another reader (another network) sees nothing either
    assert [c for c in client.public_thread(uri)["replies"]] == []
    [pending] = [c for c in pending_comments(isso.database) if c.thread_uri == uri]
    assert pending.text == "Waiting for the author to approve this."
    approve_comment(isso.database, pending.id)
    [visible] = client.public_thread(uri)["replies"]
    assert visible["id"] == pending.id and visible["mode"] == 1
    assert "Waiting for the author" in visible["text"]


HOSTILE_TEXTS = [
    "<script>alert('x')</script> hello",
    '<img src=x onerror="alert(1)"> image',
    "[click me](javascript:alert(1)) link",
    '<a href="javascript:alert(1)">raw link</a>',
    '<p onmouseover="alert(1)" style="position:fixed">handlers</p>',
    "'); DROP TABLE comments; -- and \" OR 1=1 --",
    "Zoë sagt: 你好, مرحبا, שלום 🙂 — ∑ ≠ ∞",
]


def approved(client, isso, uri: str, text: str, **fields) -> dict:
    response = client.post(uri, text, **fields)
    assert response.status == 202, response
    approve_comment(isso.database, response.json()["id"])
    return response.json()


def test_hostile_input_is_inert_in_the_api(client, isso):
    uri = new_thread()
    for text in HOSTILE_TEXTS:
        approved(client, isso, uri, text, author="<b onmouseover=alert(1)>Mallory</b>")
    thread = client.public_thread(uri)
    assert thread["total_replies"] == len(HOSTILE_TEXTS)
    for comment in thread["replies"]:
        soup = BeautifulSoup(comment["text"], "html.parser")
        assert soup.find(["script", "img", "iframe", "style"]) is None
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.startswith("on") or a == "style"], tag
            assert not tag.get("href", "").lower().startswith("javascript:")
        assert "<b" not in comment["author"]  # stored escaped, shown as text
    texts = " ".join(c["text"] for c in thread["replies"])
    assert "DROP TABLE comments" in texts and "你好" in texts and "🙂" in texts
    # the SQL-looking text was data, not SQL: the thread is all still there
    assert client.public_thread(uri)["total_replies"] == len(HOSTILE_TEXTS)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"website": "javascript:alert(1)"}, "Website"),
        ({"text": "x" * 70_000}, "too long"),
        ({"text": "no"}, "too short"),
    ],
)
def test_bad_submissions_are_refused(client, fields, reason):
    uri = new_thread()
    payload = {"text": "A perfectly ordinary comment.", "author": "Ann", **fields}
    response = client.post(uri, payload.pop("text"), **payload)
    assert response.status == 400 and reason in response.body
    assert client.public_thread(uri)["total_replies"] == 0


def test_rate_limit_answers_403_after_two_comments_a_minute(client):
    uri, address = new_thread(), reader_address()
    answers = [
        client.post(uri, f"Comment number {n} from one reader.", address=address).status
        for n in range(3)
    ]
    assert answers == [202, 202, 403]
    refused = client.post(uri, "And another.", address=address)
    assert refused.status == 403 and "ratelimit" in refused.body
    # a different reader is not affected
    assert client.post(uri, "Someone else entirely.").status == 202


def test_direct_replies_per_thread_are_limited(client, isso):
    uri, address = new_thread(), reader_address()
    statuses = []
    for n in range(4):
        statuses.append(client.post(uri, f"Top-level {n}", address=address).status)
        # clear the per-minute limit between posts, so only direct-reply counts
        isso_db_age_comments(isso.database, by_seconds=120)
    assert statuses == [202, 202, 202, 403]


def isso_db_age_comments(db_path, by_seconds: int) -> None:
    import sqlite3

    with sqlite3.connect(db_path) as con:
        con.execute("UPDATE comments SET created = created - ?", (by_seconds,))


def test_snapshot_build_shows_approved_comments_never_pending_and_inert(
    tmp_path, content, client, isso
):
    uri = "/posts/snap/"
    (content / "posts" / "snap.md").write_text(ARTICLE.format(slug="snap"), encoding="utf-8")
    first = approved(client, isso, uri, "Approved and *visible*.", author="Ann",
                     website="https://ann.example/")  # fmt: skip
    approved(client, isso, uri, "A reply to Ann.", author="Bo", parent=first["id"])
    for text in HOSTILE_TEXTS[:5]:
        approved(client, isso, uri, text, author="<script>alert(1)</script>Mallory")
    pending = client.post(uri, "Still PENDING, must not appear.", author="Cy")
    assert pending.status == 202

    site = build(
        tmp_path, content, settings="publishconf.py",
        COMMENTS_URL=isso.url, COMMENTS_SNAPSHOT=True, COMMENTS_SNAPSHOT_TIMEOUT=5,
    )  # fmt: skip
    assert site.report.ok and site.report.warnings == [], site.report
    html = site.page("posts/snap/index.html")
    assert "PENDING" not in html
    soup = BeautifulSoup(html, "html.parser")
    root = soup.find(id="isso-thread").find(id="isso-root")
    shown = [a["id"] for a in root.select("article.comment")]
    assert shown[:2] == [f"isso-{first['id']}", f"isso-{first['id'] + 1}"]
    assert len(shown) == 7
    ann = root.find(id=f"isso-{first['id']}")
    assert ann.find("a", class_="comment-author")["rel"] == ["nofollow", "ugc", "noopener"]
    assert ann.find("em").get_text() == "visible"
    assert root.find(["script", "img", "iframe", "style"]) is None
    assert not [t for t in root.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert not [a for a in root.find_all("a") if "javascript" in a.get("href", "").lower()]
    assert "Comments (7)" in soup.find(id="comments-title").get_text(" ", strip=True)
    feed = (site.output / "feeds/comments/snap.atom.xml").read_text(encoding="utf-8")
    assert "PENDING" not in feed and "<script" not in feed and feed.count("<entry>") == 7


def test_exported_comments_show_once_next_to_the_snapshot(tmp_path, content, client, isso):
    uri = "/posts/both/"
    (content / "posts" / "both.md").write_text(ARTICLE.format(slug="both"), encoding="utf-8")
    kept = approved(client, isso, uri, "Exported to the archive.", author="Ann")
    live = approved(client, isso, uri, "Only live.", author="Bo")
    write_comment(
        content, "both", f"isso-{kept['id']}.md",
        "Author: Ann\nDate: 2024-01-01 10:00\n\nExported to the archive.\n",
    )  # fmt: skip
    site = build(
        tmp_path, content, COMMENTS_URL=isso.url, COMMENTS_SNAPSHOT=True,
        COMMENTS_SNAPSHOT_TIMEOUT=5,
    )  # fmt: skip
    assert site.report.ok, site.report.problems
    html = site.page("posts/both/index.html")
    assert html.count("Exported to the archive.") == 1
    assert f'id="isso-{live["id"]}"' in html


def test_isso_public_config_matches_our_settings(client):
    from tests.comments.conftest import http_call

    config = json.loads(http_call("GET", f"{client.url}/config").body)["config"]
    assert config["require-author"] is True
    assert config["gravatar"] is False and config["reply-notifications"] is False
