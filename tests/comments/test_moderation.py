"""Terminal moderation and export on an Isso database (no server needed)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from sitekit.comments import commands as comments_commands
from sitekit.comments import export as comments_export
from sitekit.comments import moderation as comments_moderation
from sitekit.comments.server import DEV_CONFIG, write_config
from tests.comments.conftest import add_comment, isso_database
from tests.sitebuild import build

LONDON = ZoneInfo("Europe/London")
T0 = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "comments.db"


@pytest.fixture
def db(db_path):
    return isso_database(db_path)


def test_pending_lists_thread_author_date_and_text(db, db_path):
    add_comment(db, "/posts/talk/", "Approved already.", mode=1, created=T0, author="Old")
    ident = add_comment(
        db, "/posts/talk/", "Please *approve* me.", mode=2, created=T0 + 60,
        author="Ann &lt;Smith&gt;", email="ann@example.org",
    )  # fmt: skip
    [pending] = comments_moderation.pending_comments(db_path, LONDON)
    assert pending.id == ident
    assert (pending.thread_uri, pending.author, pending.text) == (
        "/posts/talk/", "Ann <Smith>", "Please *approve* me."
    )  # fmt: skip
    assert pending.created == datetime.datetime(2024, 5, 1, 13, 1, tzinfo=LONDON)
    listing = comments_moderation.format_pending([pending])
    assert f"#{ident}  /posts/talk/  (Thread /posts/talk/)" in listing
    assert "by Ann <Smith> <ann@example.org> on 2024-05-01 13:01 BST" in listing
    assert "    Please *approve* me." in listing


def test_listing_cannot_inject_terminal_escape_sequences(db, db_path):
    add_comment(db, "/posts/t/", "Hi \x1b[2J\x1b]0;pwned\x07 there", mode=2, created=T0,
                author="\x1b[31mRed\x1b[0m")  # fmt: skip
    listing = comments_moderation.format_pending(comments_moderation.pending_comments(db_path))
    assert "\x1b" not in listing and "\x07" not in listing
    assert "Red" in listing


def test_long_text_is_shortened_in_the_listing(db, db_path):
    add_comment(db, "/posts/t/", "word " * 5000, mode=2, created=T0)
    listing = comments_moderation.format_pending(comments_moderation.pending_comments(db_path))
    assert "(25,000 characters)" in listing and len(listing) < 1500


def test_approve_makes_a_pending_comment_public(db, db_path):
    ident = add_comment(db, "/posts/t/", "Pending text", mode=2, created=T0)
    assert comments_moderation.approve_comment(db_path, ident) == f"approved comment {ident}"
    assert db.comments.get(ident)["mode"] == 1
    with pytest.raises(comments_moderation.ModerationError, match="not pending"):
        comments_moderation.approve_comment(db_path, ident)


def test_delete_removes_or_leaves_a_placeholder_for_replies(db, db_path):
    lone = add_comment(db, "/posts/t/", "Lone", mode=2, created=T0)
    parent = add_comment(db, "/posts/t/", "Parent", mode=1, created=T0)
    add_comment(db, "/posts/t/", "Child", mode=1, created=T0 + 5, parent=parent)
    assert comments_moderation.delete_comment(db_path, lone) == f"deleted comment {lone}"
    assert db.comments.get(lone) is None
    assert "placeholder" in comments_moderation.delete_comment(db_path, parent)
    assert db.comments.get(parent)["mode"] == 4 and db.comments.get(parent)["text"] == ""


def test_unknown_ids_and_missing_databases_are_one_line_errors(tmp_path, db, db_path, capsys):
    config = write_config(DEV_CONFIG, tmp_path / "c.cfg", {"general": {"dbpath": str(db_path)}})
    assert comments_commands.approve("999", config) == 1
    assert comments_commands.delete("abc", config) == 1
    missing = write_config(
        DEV_CONFIG, tmp_path / "m.cfg", {"general": {"dbpath": str(tmp_path / "none.db")}}
    )
    assert comments_commands.list_pending(missing) == 1
    assert not (tmp_path / "none.db").exists(), "listing must not create an empty database"
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        "error: no comment with id 999",
        "error: 'abc' is not a comment id (see invoke comments-pending)",
        f"error: {tmp_path / 'none.db'}: no comment database (run `invoke comments` first)",
    ]


def test_commands_approve_by_id_with_or_without_hash(tmp_path, db, db_path, capsys):
    config = write_config(DEV_CONFIG, tmp_path / "c.cfg", {"general": {"dbpath": str(db_path)}})
    ident = add_comment(db, "/posts/t/", "Pending", mode=2, created=T0)
    assert comments_commands.list_pending(config) == 0
    assert comments_commands.approve(f"#{ident}", config) == 0
    assert comments_commands.list_pending(config) == 0
    out = capsys.readouterr().out
    assert f"approved comment {ident}" in out and "No comments are waiting" in out


def test_export_writes_archived_files_that_build(tmp_path, db, db_path, content):
    first = add_comment(
        db, "/posts/talk/", "First, with **markdown**.", created=T0,
        author="Ann &amp; Co", website="https://ann.example/?a=1&amp;b=2",
    )  # fmt: skip
    reply = add_comment(db, "/posts/talk/", "A reply.", created=T0 + 60, author="Bo",
                        parent=first)  # fmt: skip
    gone = add_comment(db, "/posts/talk/", "Will be deleted.", created=T0 + 90, author="Cy")
    orphan = add_comment(db, "/posts/talk/", "Reply to a deleted one.", created=T0 + 120,
                         parent=gone)  # fmt: skip
    db.comments.delete(gone)
    add_comment(db, "/posts/talk/", "Still pending.", mode=2, created=T0 + 130)
    add_comment(db, "/about/", "Not a post.", created=T0 + 140)

    result = comments_export.export_approved_comments(db_path, content / "comments", LONDON)
    names = sorted(p.name for p in result.written)
    assert names == sorted(f"isso-{i}.md" for i in (first, reply, orphan))
    assert result.skipped == [f"#{first + 5}: thread '/about/' is not a post"]
    text = (content / "comments/talk" / f"isso-{first}.md").read_text(encoding="utf-8")
    assert text == (
        "Author: Ann & Co\nDate: 2024-05-01 13:00:00+01:00\n"
        "Website: https://ann.example/?a=1&amp;b=2\n\nFirst, with **markdown**.\n"
    )
    assert f"Reply_to: isso-{first}\n" in (content / f"comments/talk/isso-{reply}.md").read_text()
    assert "Reply_to" not in (content / f"comments/talk/isso-{orphan}.md").read_text()

    again = comments_export.export_approved_comments(db_path, content / "comments", LONDON)
    assert again.written == [] and len(again.unchanged) == 3

    site = build(tmp_path / "site", content)
    assert site.report.ok, site.report.problems
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    exported = soup.find(id=f"comment-isso-{first}")
    assert exported.find(class_="comment-author").get_text() == "Ann & Co"
    assert exported.find("strong").get_text() == "markdown"
    nested = exported.find_parent("li").find("ol", class_="comment-replies")
    assert nested.find(id=f"comment-isso-{reply}") is not None


def test_approving_a_reply_someone_waits_for_says_it_mails_nobody(db, db_path):
    asked = add_comment(
        db, "/posts/t/", "Part-time possible?", mode=1, created=T0,
        author="Priya", email="priya@example.org", notification=1,
    )  # fmt: skip
    quiet = add_comment(db, "/posts/t/", "Thanks!", mode=1, created=T0, author="Jonas")
    reply = add_comment(db, "/posts/t/", "Yes.", mode=2, created=T0 + 60, parent=asked)
    other = add_comment(db, "/posts/t/", "You're welcome.", mode=2, created=T0 + 60, parent=quiet)
    message = comments_moderation.approve_comment(db_path, reply)
    assert message.startswith(f"approved comment {reply}; its parent's author asked")
    assert "/admin/" in message
    assert comments_moderation.approve_comment(db_path, other) == f"approved comment {other}"


def test_a_hostile_database_exports_to_files_that_build_and_claim_nothing(
    tmp_path, db, db_path, content
):
    hostile = [
        # name typed as the recruiter's, with a phishing site: no badge, link kept as a link
        dict(author="Maren Okafor", website="https://phish.example/login", text="Call me."),
        dict(author="<b></b>", text="Nameless."),  # nothing left of the name
        dict(author="Eve", website="https://x.example/&amp;#x20;", text="Decoded twice?"),
        dict(author="Raw", text="<strong>shown as text</strong> &#1;&#x1b; ok"),
        dict(author="Mallory\u202e\u200b", text="Direction tricks."),
    ]
    for number, fields in enumerate(hostile):
        add_comment(db, "/posts/talk/", fields.pop("text"), created=T0 + number, **fields)
    add_comment(db, "/elsewhere/posts/talk/", "Another site's thread.", created=T0 + 10)
    add_comment(db, "/posts/no-such-post/", "A page that does not exist.", created=T0 + 11)

    slugs = comments_export.post_slugs(content / "posts")
    assert "talk" in slugs
    result = comments_export.export_approved_comments(
        db_path, content / "comments", LONDON, posts=slugs
    )
    assert len(result.written) == len(hostile)
    assert any("'/elsewhere/posts/talk/' is not a post" in r for r in result.skipped)
    assert any("no post 'no-such-post'" in r for r in result.skipped)
    assert not (content / "comments" / "no-such-post").exists()

    site = build(tmp_path, content)
    assert site.report.ok, site.report.problems + site.report.errors
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    assert not soup.select(".comment.by-author")  # no reader earns the Author badge
    assert soup.find(string=lambda s: s and "<strong>shown as text</strong>" in s)
    assert not soup.select(".comment strong")
    names = [n.get_text() for n in soup.select(".comment-author")]
    assert "Anonymous" in names and "Mallory" in names


def test_a_reader_using_the_recruiters_name_is_shown_as_a_reader(tmp_path, content):
    (content / "comments" / "talk" / "fake.md").write_text(
        "Author: maren  OKAFOR\nDate: 2021-03-02\n\nTrust me, apply here.\n", encoding="utf-8"
    )
    (content / "comments" / "talk" / "real.md").write_text(
        "Author: Maren Okafor\nDate: 2021-03-03\nBy_author: yes\n\nThat was not me.\n",
        encoding="utf-8",
    )
    site = build(tmp_path, content)
    assert site.report.ok, site.report.problems
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    fake = soup.find(id="comment-fake")
    real = soup.find(id="comment-real")
    assert "a reader, not the author" in fake.get_text(" ", strip=True)
    assert "by-author" not in fake["class"] and "by-author" in real["class"]
    assert "a reader, not" not in real.get_text()
