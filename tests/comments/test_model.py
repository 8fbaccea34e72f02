"""Archived comment files -> Comment objects, threads and problems (plugins/comments/model.py)."""

from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plugins.comments import model

LONDON = ZoneInfo("Europe/London")
FIELDS = ("author", "date", "website", "reply_to")


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def read(path: Path):
    return model.read_comment_file(str(path), LONDON, FIELDS)


def test_a_complete_comment_is_read(tmp_path):
    path = write(
        tmp_path,
        "dana.md",
        "Author: Dana Reyes\nDate: 2021-06-01 14:30\nWebsite: https://dana.example/\n\n"
        "Thanks for *this*.\n\n> quoted\n",
    )
    comment, problems = read(path)
    assert problems == []
    assert comment.name == "dana" and comment.anchor == "comment-dana"
    assert comment.author == "Dana Reyes"
    assert comment.date == datetime.datetime(2021, 6, 1, 14, 30, tzinfo=LONDON)
    assert comment.date.utcoffset() == datetime.timedelta(hours=1)  # summer time
    assert comment.website == "https://dana.example/"
    assert "<em>this</em>" in comment.html and "<blockquote>" in comment.html


def test_field_names_are_case_insensitive_and_offsets_are_kept(tmp_path):
    path = write(tmp_path, "a.md", "AUTHOR: A\ndate: 2021-01-01T10:00:00+02:00\n\nHi there.\n")
    comment, problems = read(path)
    assert problems == []
    assert comment.date.utcoffset() == datetime.timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("Date: 2021-01-01\n\nText.\n", "author", "is missing or empty"),
        ("Author:   \nDate: 2021-01-01\n\nText.\n", "author", "is missing or empty"),
        ("Author: <b></b>\nDate: 2021-01-01\n\nText.\n", "author", "has no text"),
        ("Author: A\n\nText.\n", "date", "is missing or empty"),
        ("Author: A\nDate: 2021-13-45\n\nText.\n", "date", "cannot parse '2021-13-45'"),
        ("Author: A\nDate: yesterday\n\nText.\n", "date", "cannot parse 'yesterday'"),
        ("Author: A\nDate: 2021-01-01\nMood: happy\n\nText.\n", "mood", "unknown field"),
        (
            "Author: A\nDate: 2021-01-01\nWebsite: javascript:alert(1)\n\nT.\n",
            "website",
            "not an http",
        ),
        ("Author: A\nDate: 2021-01-01\n\n   \n", "text", "is empty"),
        ("Author: A\nDate: 2021-01-01\n", "text", "is empty"),
        ("Author: A\nAuthor: B\nDate: 2021-01-01\n\nT.\n", "author", "is given twice"),
        ("Just a comment without metadata.\n", "file", "must start with metadata"),
        ("Author: A\nthis is not metadata\n\nT.\n", "file", "line 2 is not 'field: value'"),
        ("", "file", "is empty"),
        ("\n \n", "file", "is empty"),
    ],
)
def test_broken_files_report_field_and_message(tmp_path, text, field, message):
    comment, problems = read(write(tmp_path, "c.md", text))
    assert comment is None
    assert any(p.field == field and message in p.message for p in problems), problems
    assert all(p.path.endswith("c.md") for p in problems)


def test_non_utf8_binary_and_oversized_files_are_reported(tmp_path):
    latin = write(tmp_path, "latin.md", "Author: Zoë\nDate: 2021-01-01\n\nT.\n".encode("latin-1"))
    binary = write(tmp_path, "bin.md", b"Author: A\x00\x01\x02" * 10)
    huge = write(tmp_path, "huge.md", "Author: A\nDate: 2021-01-01\n\n" + "x" * 200_000)
    [(_, [p1]), (_, [p2])] = [read(latin), read(binary)]
    assert (p1.field, p2.field) == ("file", "file")
    assert "not UTF-8" in p1.message and "NUL" in p2.message
    _, [p3] = model.read_comment_file(str(huge), LONDON, FIELDS, max_bytes=100_000)
    assert "larger than" in p3.message


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    _, problems = read(write(tmp_path, "c.md", "Colour: red\nDate: soon\n\n\n"))
    assert sorted(p.field for p in problems) == ["author", "colour", "date", "text"]


def c(name, day, reply_to=None):
    return model.Comment(
        name=name,
        author=name.title(),
        date=datetime.datetime(2021, 1, day, tzinfo=LONDON),
        html=model.render_markdown("x"),
        reply_to=reply_to,
        source_path=f"/c/{name}.md",
    )


def test_threading_nests_replies_oldest_first():
    roots, problems = model.thread(
        [c("late", 9), c("first", 1), c("reply2", 5, "first"), c("reply1", 3, "first"),
         c("deep", 6, "reply1")]
    )  # fmt: skip
    assert problems == []
    assert [r.name for r in roots] == ["first", "late"]
    assert [r.name for r in roots[0].replies] == ["reply1", "reply2"]
    assert [r.name for r in roots[0].replies[0].replies] == ["deep"]
    assert model.count(roots) == 5
    assert [x.name for x in model.walk(roots)] == ["first", "reply1", "deep", "reply2", "late"]


def test_reply_to_a_missing_comment_is_a_problem():
    _, [problem] = model.thread([c("a", 1), c("b", 2, "nobody")])
    assert (problem.path, problem.field) == ("/c/b.md", "reply_to")
    assert "'nobody'" in problem.message and "known: a" in problem.message


def test_reply_loops_and_self_replies_are_problems():
    _, problems = model.thread([c("a", 1, "b"), c("b", 2, "a"), c("s", 3, "s")])
    assert sorted(p.path for p in problems) == ["/c/a.md", "/c/b.md", "/c/s.md"]
    assert all(p.field == "reply_to" for p in problems)


def test_a_reply_dated_before_its_parent_is_a_problem():
    _, [problem] = model.thread([c("a", 5), c("b", 2, "a")])
    assert (problem.field, problem.path) == ("date", "/c/b.md")


def test_live_orphans_are_promoted_not_reported():
    roots, problems = model.thread([c("isso-2", 2, "isso-1")], orphans="promote")
    assert problems == [] and [r.name for r in roots] == ["isso-2"]


def test_read_archive_checks_folders_and_files(tmp_path):
    root = tmp_path / "comments"
    write(root / "known", "ok.md", "Author: A\nDate: 2021-01-01\n\nFine text.\n")
    write(root / "known", "notes.txt", "stray")
    write(root / "known", ".hidden.md", "ignored")
    write(root / "known", "draft.md~", "editor backup")
    write(root / "ghost", "x.md", "Author: A\nDate: 2021-01-01\n\nText.\n")
    write(root, "loose.md", "Author: A\nDate: 2021-01-01\n\nText.\n")
    write(root / "known", "bad name!.md", "Author: A\nDate: 2021-01-01\n\nText.\n")
    reading = model.read_archive(str(root), {"known"}, LONDON, FIELDS, ["*~"])
    found = {(Path(p.path).name, p.field) for p in reading.problems}
    assert found == {
        ("notes.txt", "file"),
        ("ghost", "folder"),
        ("loose.md", "file"),
        ("bad name!.md", "file"),
    }
    assert [x.name for x in reading.by_slug["known"]] == ["ok"]


def test_a_missing_comments_folder_is_fine(tmp_path):
    reading = model.read_archive(str(tmp_path / "nothing"), {"a"}, LONDON, FIELDS)
    assert reading.by_slug == {} and reading.problems == []
