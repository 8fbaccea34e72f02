"""The comments plugin in real builds: rendering, counts, feeds, problems, settings."""

from __future__ import annotations

import re

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.comments.conftest import write_comment
from tests.sitebuild import ROOT, build, run_build_cli

DEMO_SLUG = "still-friends-after-no"
GOOD = "Author: Ada\nDate: 2021-03-02 10:00\n\nA good comment.\n"


@pytest.fixture(scope="module")
def demo_page(demo_site) -> BeautifulSoup:
    return BeautifulSoup(demo_site.page(f"posts/{DEMO_SLUG}/index.html"), "html.parser")


def comment_ids(section) -> list[str]:
    return [a["id"] for a in section.select("article.comment")]


def test_demo_article_shows_archived_comments_in_the_html(demo_page):
    section = demo_page.find("section", id="comments")
    assert section is not None
    ids = comment_ids(section.find("ol", class_="comment-list"))
    assert ids == [
        "comment-priya-runner-up",
        "comment-maren-reply-priya",
        "comment-priya-follow-up",
        "comment-tomasz-agency-view",
        "comment-jonas-hiring-manager",
    ]
    assert section.h2.get_text(" ", strip=True) == "Comments (5)"


def test_replies_are_nested_under_the_comment_they_answer(demo_page):
    first = demo_page.find(id="comment-priya-runner-up").find_parent("li")
    nested = first.find("ol", class_="comment-replies")
    assert comment_ids(nested) == ["comment-maren-reply-priya", "comment-priya-follow-up"]
    maren = demo_page.find(id="comment-maren-reply-priya")
    assert "by-author" in maren["class"]
    assert maren.find(class_="comment-badge").get_text() == "Author"


def test_each_comment_has_author_date_permalink_and_safe_website_link(demo_page):
    tomasz = demo_page.find(id="comment-tomasz-agency-view")
    author = tomasz.find("a", class_="comment-author")
    assert author.get_text() == "Tomasz Wieczorek"
    assert author["href"] == "https://talent-notes.example/tomasz"
    assert author["rel"] == ["nofollow", "ugc", "noopener"]
    permalink = tomasz.find("a", class_="comment-permalink")
    assert permalink["href"] == "#comment-tomasz-agency-view"
    assert permalink.time["datetime"] == "2008-03-15T08:05:00+00:00"
    assert permalink.time.get_text() == "15 March 2008"
    assert "<em>keep your CV current" in str(tomasz.find(class_="comment-body"))
    jonas = demo_page.find(id="comment-jonas-hiring-manager")
    assert jonas.find("a", class_="comment-author") is None
    assert jonas.find("span", class_="comment-author").get_text() == "Jonas Ekberg"


def test_counts_show_on_index_and_archives(demo_site):
    for page in ("index.html", "archives/index.html"):
        soup = BeautifulSoup(demo_site.page(page), "html.parser")
        link = soup.find("a", href=re.compile(rf"posts/{DEMO_SLUG}/$"))
        holder = link.find_parent(["article", "li"])
        assert "5 comments" in holder.get_text(" ", strip=True), page


def test_live_thread_and_deferred_loader_are_embedded(demo_site, demo_page):
    thread = demo_page.find(id="isso-thread")
    assert thread["data-isso-id"] == f"/posts/{DEMO_SLUG}/"
    assert thread["data-title"] == "I know it feels like a breakup, but can we still be friends?"
    assert thread["data-comments-server"] == "http://127.0.0.1:8080"
    assert thread.find(id="isso-root") is not None
    # after the archived comments, inside the same section
    section = demo_page.find("section", id="comments")
    assert section.find("ol", class_="comment-list").find_next(id="isso-thread") is thread
    [loader] = [s for s in demo_page.find_all("script") if s.get("src", "").endswith("comments.js")]
    assert loader.has_attr("defer") and not loader.string
    assert (demo_site.output / "theme/js/comments.js").is_file()
    # Isso's client is never in the page itself: only the loader injects it
    assert "embed.min.js" not in str(demo_page)


def test_no_inline_scripts_or_styles_in_the_article(demo_page):
    for script in demo_page.find_all("script"):
        assert script.get("src") or script.get("type") == "application/ld+json", script
    assert demo_page.find_all(style=True) == []
    assert demo_page.find_all("style") == []
    assert not [
        tag for tag in demo_page.find_all(True) if any(a.startswith("on") for a in tag.attrs)
    ]


def test_loader_script_is_small_and_lazy():
    source = (ROOT / "theme/static/js/comments.js").read_text(encoding="utf-8")
    assert "IntersectionObserver" in source
    assert 'data-isso-css": "false"' in source and 'data-isso-avatar": "false"' in source
    assert "/js/embed.min.js" in source
    assert "innerHTML" not in source and "eval(" not in source


def test_comments_feed_is_built_and_discoverable(demo_site, demo_page):
    path = demo_site.output / f"feeds/comments/{DEMO_SLUG}.atom.xml"
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.author for e in feed.entries] == [
        "Priya Raman", "Maren Okafor", "Tomasz Wieczorek", "Priya Raman", "Jonas Ekberg"
    ]  # fmt: skip
    assert feed.entries[0].link.endswith(f"/posts/{DEMO_SLUG}/#comment-priya-runner-up")
    assert feed.feed.updated == "2008-03-16T10:20:00+00:00"  # newest comment, not "now"
    [link] = demo_page.find_all("link", rel="alternate", href=re.compile("feeds/comments/"))
    assert link["type"] == "application/atom+xml"
    assert link["href"] == f"http://127.0.0.1:8000/feeds/comments/{DEMO_SLUG}.atom.xml"


def test_empty_comments_url_means_archived_only_and_no_script(tmp_path, content):
    write_comment(content, "talk", "ada.md", GOOD)
    site = build(tmp_path, content, COMMENTS_URL="")
    assert site.report.ok, site.report.problems
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    assert soup.find(id="comment-ada") is not None
    assert soup.find(id="isso-thread") is None
    assert not [s for s in soup.find_all("script") if "comments.js" in s.get("src", "")]


def test_a_post_without_comments_and_without_server_has_no_section(tmp_path, content):
    site = build(tmp_path, content, COMMENTS_URL="")
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    assert soup.find(id="comments") is None


def test_hostile_archived_comment_is_inert_in_page_and_feed(tmp_path, content):
    write_comment(
        content,
        "talk",
        "mallory.md",
        "Author: <script>alert('name')</script>Mallory <img src=x onerror=alert(1)>\n"
        'Date: 2021-03-02 10:00\nWebsite: https://mallory.example/?q="><script>x</script>\n\n'
        'Hello <script>alert(1)</script> <a href="javascript:alert(2)">click</a>\n'
        "<img src=x onerror=alert(3)> <iframe src=https://evil.example></iframe>\n"
        '<p style="position:fixed" onclick="alert(4)">styled</p>\n',
    )
    site = build(tmp_path, content)
    assert site.report.ok, site.report.problems
    html = site.page("posts/talk/index.html")
    soup = BeautifulSoup(html, "html.parser")
    comment = soup.find(id="comment-mallory")
    assert comment.find(["script", "img", "iframe", "style"]) is None
    assert not [t for t in comment.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert all(not t.get("style") for t in comment.find_all(True))
    assert "javascript:" not in str(comment)
    assert comment.find(class_="comment-author").get_text().startswith("Mallory")
    feed = (site.output / "feeds/comments/talk.atom.xml").read_text(encoding="utf-8")
    assert "<script" not in feed and "javascript:" not in feed and "onerror" not in feed


def test_unicode_and_markdown_survive(tmp_path, content):
    write_comment(
        content, "talk", "zoe.md",
        "Author: Zoë Ørsted-李\nDate: 2021-03-02\n\nMerci — **très** utile 🙂\n\n- one\n- two\n",
    )  # fmt: skip
    site = build(tmp_path, content)
    soup = BeautifulSoup(site.page("posts/talk/index.html"), "html.parser")
    comment = soup.find(id="comment-zoe")
    assert comment.find(class_="comment-author").get_text() == "Zoë Ørsted-李"
    assert comment.find("strong").get_text() == "très" and len(comment.find_all("li")) == 2


PREFIX = "content/comments/talk/"
BROKEN = {
    "no author": ("x.md", "Date: 2021-03-02\n\nText.\n", PREFIX + "x.md: author:"),
    "bad date": ("x.md", "Author: A\nDate: 2021-02-30\n\nT.\n", PREFIX + "x.md: date:"),
    "unknown field": (
        "x.md",
        "Author: A\nDate: 2021-03-02\nEmail: a@b.example\n\nT.\n",
        PREFIX + "x.md: email: unknown field (allowed: author, date, website, reply_to, by_author)",
    ),
    "missing reply target": (
        "x.md",
        "Author: A\nDate: 2021-03-02\nReply_to: ghost\n\nT.\n",
        PREFIX + "x.md: reply_to: names no comment 'ghost'",
    ),
    "empty": ("x.md", "", PREFIX + "x.md: file: is empty"),
    "not utf-8": (
        "x.md",
        "Author: Zoë\nDate: 2021-03-02\n\nT.\n".encode("latin-1"),
        PREFIX + "x.md: file: is not UTF-8",
    ),
    "binary": ("x.md", bytes(range(256)), PREFIX + "x.md: file:"),
    "not markdown": ("x.png", b"\x89PNG\r\n", PREFIX + "x.png: file: is not a comment"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_comment_files_stop_the_build(tmp_path, content, case):
    name, data, expected = BROKEN[case]
    write_comment(content, "talk", "fine.md", GOOD)
    write_comment(content, "talk", name, data)
    site = build(tmp_path, content)
    assert any(line.startswith(expected) for line in site.report.problems), site.report.problems
    assert not (site.output / "index.html").exists(), "nothing is written for a broken site"


def test_a_folder_for_a_missing_article_stops_the_build(tmp_path, content):
    write_comment(content, "no-such-post", "x.md", GOOD)
    site = build(tmp_path, content)
    assert site.report.problems == [
        "content/comments/no-such-post: folder: no article has the slug 'no-such-post'"
    ]


def test_cli_prints_one_line_per_problem_and_no_traceback(tmp_path, content):
    write_comment(content, "talk", "x.md", "Author: A\nDate: someday\n\nT.\n")
    result = run_build_cli(tmp_path, content)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert lines == ["error: content/comments/talk/x.md: date: cannot parse 'someday' "
                     "(expected YYYY-MM-DD or YYYY-MM-DD HH:MM)"]  # fmt: skip


def test_drafts_keep_their_comments_but_get_no_live_thread_or_feed(tmp_path, content):
    (content / "posts" / "draft.md").write_text(
        "Title: Draft\nDate: 2021-04-01\nSlug: wip\nStatus: draft\n\nNot yet.\n", encoding="utf-8"
    )
    write_comment(content, "wip", "ada.md", GOOD)
    site = build(tmp_path, content)
    assert site.report.ok, site.report.problems
    soup = BeautifulSoup(site.page("drafts/wip/index.html"), "html.parser")
    assert soup.find(id="comment-ada") is not None
    assert soup.find(id="isso-thread") is None
    assert not (site.output / "feeds/comments/wip.atom.xml").exists()


def test_comments_css_is_appended_small_and_themed():
    css = (ROOT / "theme/static/css/site.css").read_text(encoding="utf-8")
    block = css[css.index("/* -- comments -- */") :]
    # other features append their own "/* -- name -- */" blocks after ours
    following = re.search(r"^/\* -- (?!comments)", block[1:], re.MULTILINE)
    block = block[: following.start() + 1] if following else block
    assert len(block.encode("utf-8")) <= 2500
    assert "var(--" in block and not re.search(r"#[0-9a-fA-F]{3,6}\b", block)
    assert ".isso-postbox" in block and ".comment-replies" in block
