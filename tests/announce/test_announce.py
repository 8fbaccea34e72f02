"""`invoke announce`: texts that fit each network as it counts, tagged links, open roles only."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sitekit import announce
from tests.sitebuild import FIXTURES, ROOT

KINDS = FIXTURES / "openings" / "kinds"
OPEN_IN_KINDS = {
    "platform-engineer",
    "support-engineer",
    "design-lead",
    "backend-developer",
    "tester",
}
NOT_OPEN_IN_KINDS = ["data-analyst", "qa-lead", "mobile-developer", "technical-writer"]


def settings_file(tmp_path: Path, content: Path = KINDS) -> Path:
    path = tmp_path / "announceconf.py"
    path.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from publishconf import *  # noqa: F403\n"
        f"PATH = {str(content)!r}\n"
        "OPENINGS_TODAY = '2026-11-30'\n",
        encoding="utf-8",
    )
    return path


def run(tmp_path: Path, *args: str, content: Path = KINDS) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--settings", str(settings_file(tmp_path, content))]
    argv += ["--state", str(tmp_path / "s.json")]
    code = announce.main([*argv, *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_x_counts_links_as_23_and_wide_characters_as_2():
    assert announce.x_length("hello") == 5
    assert announce.x_length("https://example.com/" + "a" * 200) == 23
    assert announce.x_length("see https://a.example/x?utm_source=x now") == 4 + 23 + 4
    assert announce.x_length("東京") == 4  # CJK: 2 each
    assert announce.x_length("Łódź · São Paulo – “quoted”") == 27  # Latin, ·, – and quotes: 1
    assert announce.x_length("€") == 2  # outside twitter-text's light ranges
    assert announce.x_length("👩‍💻") == 2  # one emoji sequence, five code points
    assert announce.x_length("e\u0301") == 1  # NFC first: é


def test_mastodon_and_bluesky_counts():
    link = "https://okafor-talent.example/openings/x/?utm_source=mastodon"
    assert announce.mastodon_length(f"Hi {link}") == 3 + 23
    assert announce.bluesky_length(f"Hi {link}") == 3 + len(link)  # links count in full
    assert announce.bluesky_length("👩‍💻 e\u0301") == 3  # graphemes


def test_every_open_role_is_announced_once_and_closed_ones_never(tmp_path):
    code, out, err = run(tmp_path, "--json")
    assert code == 0, err
    found = json.loads(out)
    slugs = {urlsplit(item["url"]).path.strip("/").split("/")[-1] for item in found}
    assert slugs == OPEN_IN_KINDS  # not closed, filled, paused or expired
    assert all(item["url"].startswith("https://okafor-talent.example/openings/") for item in found)
    code, out, _ = run(tmp_path)
    assert code == 0 and out.startswith("No new open roles")
    code, out, _ = run(tmp_path, "--json", "--since", "2026-11-10")
    assert {item["ref"] for item in json.loads(out)} < {item["ref"] for item in found}
    assert len(json.loads(out)) == 2


@pytest.mark.parametrize("slug", NOT_OPEN_IN_KINDS)
def test_a_role_that_is_not_open_is_never_announced(tmp_path, slug):
    code, out, err = run(tmp_path, "--role", slug)
    assert code == 1 and out == ""
    assert "is never announced" in err and "Traceback" not in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_unknown_role_and_bad_date_are_one_line_each(tmp_path):
    code, _, err = run(tmp_path, "--role", "no-such-role")
    assert code == 1 and err == "error: --role: no role has the slug 'no-such-role'\n"
    code, _, err = run(tmp_path, "--since", "last week")
    assert code == 2 and "not a date" in err


def _all_texts(tmp_path) -> list[dict]:
    code, out, err = run(tmp_path, "--json", "--since", "1990-01-01")
    assert code == 0, err
    return json.loads(out)


def test_each_text_fits_its_network_and_tags_its_links(tmp_path):
    for item in _all_texts(tmp_path):
        for network, entry in item["texts"].items():
            text = entry["text"]
            assert announce.COUNTERS[network](text) == entry["length"] <= entry["limit"]
            links = announce._URL.findall(text)
            assert links, (network, text)
            for link in links:
                query = parse_qs(urlsplit(link).query)
                assert query == {
                    "utm_source": [network],
                    "utm_medium": ["social"],
                    "utm_campaign": [item["ref"]],
                }
                assert link.startswith(item["url"] + "?")


def test_long_and_wide_roles_are_cut_to_fit(tmp_path):
    openings, settings = announce.read_openings(settings_file(tmp_path))
    opening = replace(openings[0][0], url="openings/x/")
    role = announce.role_from_opening(opening, settings)
    wide = replace(
        role,
        title="数据平台高级工程师" * 20,
        summary="Ζητάμε μηχανικό " * 300,
        tags=tuple(f"tag number {n}" for n in range(40)),
    )
    texts = announce.announcements(wide)
    for network, text in texts.items():
        assert announce.COUNTERS[network](text) <= announce.LIMITS[network], network
        assert "utm_source=" + network in text
    assert texts["x"].split("\n")[0].endswith("…")


def test_the_task_is_listed(tmp_path):
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert "def announce(c, since=" in tasks and "sitekit.announce" in tasks
