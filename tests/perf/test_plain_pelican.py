"""plugins.fastbuild on a plain Pelican site writes plain Pelican's bytes.

tests/fixtures/plain_pelican uses Pelican's own readers (Markdown and
reStructuredText), its default theme and no other plugin of this repository. It is
built with plain Pelican and with only plugins.fastbuild (worker processes forced on),
cold, warm from the cache, and warm after one post was edited: every output file must
hold the same bytes. Each build runs in a fresh process (``pelican_run.py``): Pelican
keeps a plugin's receivers connected for the life of a process, so a build here must
not share one with the other tests.
"""

from __future__ import annotations

import difflib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown import Extension
from pelican.log import FatalLogger
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from plugins.fastbuild import preread
from plugins.fastbuild.processes import replay_record
from plugins.fastbuild.reading import (
    PrereadMixin,
    ReusedMarkdownReader,
    fast_reader_class,
    plan_for,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "plain_pelican"
RUNNER = Path(__file__).with_name("pelican_run.py")
FAST = {
    "PLUGINS": ["plugins.fastbuild"],
    "PLUGIN_PATHS": [str(ROOT)],
    # Worker processes and render helpers even for a site this small.
    "FASTBUILD_WORKERS": 2,
    "FASTBUILD_PARALLEL_MIN_FILES": 1,
}
COLD = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": False}
WARM = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
# Footnote ids numbered per conversion: one reused Markdown would number them on.
UNIQUE_FOOTNOTES = {
    "MARKDOWN": {
        "extension_configs": {
            "markdown.extensions.codehilite": {"css_class": "highlight"},
            "markdown.extensions.extra": {"footnotes": {"UNIQUE_IDS": True}},
            "markdown.extensions.meta": {},
        },
        "output_format": "html5",
    }
}
EDITED_POST = "kitchen/onion-soup.md"


class Site:
    """A copy of the fixture with its own outputs and cache, built in fresh processes."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(FIXTURE, root)  # copy2: the sources keep their times
        self.root = root
        self.content = root / "content"
        self.cache = root / "cache"

    def output(self, name: str) -> Path:
        return self.root / name

    def build(self, output: str, **overrides) -> dict:
        return self.start([(output, overrides)]).reports()[0]

    def start(self, builds: list[tuple[str, dict]]) -> Run:
        """Start ``builds`` one after the other in one new process."""
        return Run(self, builds)


class Run:
    def __init__(self, site: Site, builds: list[tuple[str, dict]]) -> None:
        name = "-".join(output for output, _ in builds)
        self.report = site.root / f"{name}.report.json"
        spec = {
            "report": str(self.report),
            "builds": [
                {
                    "settings": str(site.root / "pelicanconf.py"),
                    "overrides": {
                        "PATH": str(site.content),
                        "OUTPUT_PATH": str(site.output(output)),
                        "CACHE_PATH": str(site.cache),
                        **overrides,
                    },
                }
                for output, overrides in builds
            ],
        }
        spec_file = site.root / f"{name}.spec.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(RUNNER), str(spec_file)],
            cwd=site.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def reports(self) -> list[dict]:
        output, _ = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, output
        return json.loads(self.report.read_text(encoding="utf-8"))


def edit_one_post(content: Path) -> None:
    """A new title (shown on listings, feeds, neighbours) and a changed body."""
    post = content / EDITED_POST
    text = post.read_text(encoding="utf-8")
    text = text.replace("Title: Onion soup for a cold allotment", "Title: Onion soup, slowly")
    text = text.replace("forty minutes", "forty-five minutes, longer if you can")
    post.write_text(text, encoding="utf-8")


def add_attached_photo(site: Site) -> None:
    """A draft (in no feed) whose {attach} link moves a static file next to its page."""
    photos = site.content / "garden" / "photos"
    photos.mkdir()
    shutil.copy2(site.content / "images" / "jar.svg", photos / "plot.svg")
    (site.content / "garden" / "plot-photo.md").write_text(
        "Title: A photo of the plot\nDate: 2024-08-01 09:00\nAuthor: Ines Haddad\n"
        "Status: draft\n\n![The plot]({attach}photos/plot.svg)\n",
        encoding="utf-8",
    )
    settings = site.root / "pelicanconf.py"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text + 'STATIC_PATHS += ["garden/photos"]\n', encoding="utf-8")


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def assert_same_tree(expected: Path, actual: Path) -> None:
    plain, fast = files(expected), files(actual)
    assert sorted(fast) == sorted(plain), "the same files"
    differing = [name for name in plain if plain[name] != fast[name]]
    if differing:
        first = differing[0]
        diff = difflib.unified_diff(
            plain[first].decode(errors="replace").splitlines(),
            fast[first].decode(errors="replace").splitlines(),
            "plain/" + first,
            "fast/" + first,
            lineterm="",
        )
        pytest.fail(f"{len(differing)} files differ: {differing}\n" + "\n".join(diff))


def modification_times(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def warnings(report: dict) -> list[str]:
    return sorted(line["message"] for line in report["lines"] if line["level"] != "INFO")


def fastbuild_lines(report: dict) -> list[str]:
    return [line["message"] for line in report["lines"] if line["logger"].startswith("plugins.")]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    """Every build of this module, the independent ones at the same time."""
    base = tmp_path_factory.mktemp("plain-pelican")
    plain, edited, fast, unique = (Site(base / name) for name in ("p", "e", "f", "u"))
    edit_one_post(edited.content)
    attached = Site(base / "a")
    add_attached_photo(attached)
    later = Site(base / "later")
    running = {
        "plain": plain.start([("plain", {})]),
        "plain-edited": edited.start([("plain", {})]),
        "unique": unique.start(
            [("plain", UNIQUE_FOOTNOTES), ("fast", {**FAST, **UNIQUE_FOOTNOTES})]
        ),
        "attached": attached.start([("plain", {}), ("fast", {**FAST, **COLD})]),
        # A build without the plugin, in a process where a build with it came first.
        "later": later.start([("fast", {**FAST, **COLD}), ("plain", {})]),
    }
    reports = {"cold": fast.build("out", **FAST, **COLD)}
    shutil.copytree(fast.output("out"), base / "cold")
    times = modification_times(fast.output("out"))
    reports["warm"] = fast.build("out", **FAST, **WARM)
    reports["untouched"] = modification_times(fast.output("out")) == times
    shutil.copytree(fast.output("out"), base / "warm")
    edit_one_post(fast.content)
    reports["edited"] = fast.build("out", **FAST, **WARM)
    for name, run in running.items():
        reports[name] = run.reports()
    return {
        "reports": reports,
        "plain": plain.output("plain"),
        "plain-edited": edited.output("plain"),
        "cold": base / "cold",
        "warm": base / "warm",
        "edited": fast.output("out"),
        "unique": unique,
        "attached": attached,
        "later": later,
    }


def test_cold_fast_build_is_plain_pelican_s_output(builds):
    reports = builds["reports"]
    cold = reports["cold"]
    assert cold["fastbuild_stats"]["workers"] == 2, "the sources were read by workers"
    assert cold["fastbuild_stats"]["rendered"] + cold["fastbuild_stats"]["by_helpers"] > 0
    assert warnings(cold) == warnings(reports["plain"][0]), "the same warnings"
    assert fastbuild_lines(cold) == [], "nothing of a plain site falls back"


def test_cold_and_warm_fast_builds_write_plain_pelican_s_bytes(builds):
    assert_same_tree(builds["plain"], builds["cold"])
    assert_same_tree(builds["plain"], builds["warm"])


def test_warm_build_renders_and_rewrites_nothing(builds):
    warm = builds["reports"]["warm"]
    assert warm["fastbuild_stats"]["rendered"] == 0
    assert warm["fastbuild_stats"]["skipped"] > 0
    assert builds["reports"]["untouched"], "no file was written again"
    assert warnings(warm) == warnings(builds["reports"]["plain"][0]), "warnings not lost"


def test_warm_build_after_an_edit_is_plain_pelican_s_build_of_the_edit(builds):
    edited = builds["reports"]["edited"]
    assert edited["fastbuild_stats"]["rendered"] + edited["fastbuild_stats"]["by_helpers"] > 0
    assert edited["fastbuild_stats"]["skipped"] > 0, "the pages the edit does not touch"
    assert_same_tree(builds["plain-edited"], builds["edited"])


def test_what_cannot_be_sped_up_falls_back_visibly_to_the_same_bytes(builds):
    plain, fast = builds["reports"]["unique"]
    said = fastbuild_lines(fast)
    assert any("a new Markdown instance converts each file" in line for line in said), said
    assert any("UNIQUE_IDS" in line for line in said), said
    assert fastbuild_lines(plain) == []
    site = builds["unique"]
    assert_same_tree(site.output("plain"), site.output("fast"))


def test_attach_links_keep_pages_in_the_build_process(builds):
    _, fast = builds["reports"]["attached"]
    said = fastbuild_lines(fast)
    assert any("pages rendered by the build process alone" in line for line in said), said
    site = builds["attached"]
    assert (site.output("plain") / "drafts" / "photos" / "plot.svg").is_file()
    assert_same_tree(site.output("plain"), site.output("fast"))


def test_a_later_build_without_the_plugin_is_left_alone(builds):
    fast, plain = builds["reports"]["later"]
    assert "rendered" in fast["fastbuild_stats"]
    # The same process, the plugin's receivers still connected: none of them acts.
    assert "rendered" not in plain["fastbuild_stats"], "no fast writer"
    assert plain["fastbuild_settings"] == [], "no fastbuild defaults in its settings"
    assert_same_tree(builds["plain"], builds["later"].output("plain"))
    assert_same_tree(builds["plain"], builds["later"].output("fast"))


# -- Pelican's own MarkdownReader, in this process -------------------------------------


@pytest.fixture
def fixture_settings():
    settings = read_settings(str(FIXTURE / "pelicanconf.py"))
    preread.start_build(settings)  # no pre-pass left from another test's build
    yield settings
    preread.finish()


def markdown_sources() -> list[Path]:
    return sorted((FIXTURE / "content").rglob("*.md"))


def test_pelican_s_markdown_reader_has_a_fast_twin(fixture_settings):
    # Was: TypeError "Cannot create a consistent method resolution order (MRO)".
    fast = fast_reader_class(MarkdownReader)
    assert fast.__name__ == "MarkdownReader", "Pelican names the content's reader after it"
    assert issubclass(fast, PrereadMixin) and issubclass(fast, ReusedMarkdownReader)
    plain, quick = MarkdownReader(fixture_settings), fast(fixture_settings)
    for _ in range(2):  # the reused Markdown, file after file
        for path in markdown_sources():
            assert quick.read(str(path)) == plain.read(str(path)), path


def test_a_markdown_reader_subclass_keeps_its_methods(fixture_settings):
    class TitleCaseReader(MarkdownReader):
        def process_metadata(self, name, value):
            value = super().process_metadata(name, value)
            return value.title() if name == "title" else value

    fast = fast_reader_class(TitleCaseReader)
    assert fast.__mro__[1:4] == (PrereadMixin, TitleCaseReader, ReusedMarkdownReader)
    plain, quick = TitleCaseReader(fixture_settings), fast(fixture_settings)
    for path in markdown_sources():
        assert quick.read(str(path)) == plain.read(str(path)), path


class CountingExtension(Extension):
    """A third-party extension fastbuild knows nothing about."""


def test_only_markdown_configurations_known_to_reset_reuse_one_instance(fixture_settings):
    own = plan_for(fixture_settings["MARKDOWN"])
    assert (own.reuse, own.preread) == (True, True)

    unique = plan_for(UNIQUE_FOOTNOTES["MARKDOWN"])
    assert (unique.reuse, unique.preread) == (False, True)
    assert "UNIQUE_IDS" in unique.why

    named = plan_for({"extensions": [f"{__name__}:CountingExtension"]})
    assert (named.reuse, named.preread) == (False, True), "a new instance for every file"

    shared = plan_for({"extensions": [CountingExtension()]})
    assert (shared.reuse, shared.preread) == (False, False), "one object, in Pelican's order"
    both = plan_for({"extensions": [f"{__name__}:CountingExtension", CountingExtension()]})
    assert (both.reuse, both.preread) == (False, False)


def test_why_unique_footnote_ids_need_a_new_markdown_per_file(fixture_settings):
    settings = {
        **fixture_settings,
        "MARKDOWN": json.loads(json.dumps(UNIQUE_FOOTNOTES))["MARKDOWN"],
    }
    forced = fast_reader_class(MarkdownReader)(settings)  # reuse, against the plan
    plain = MarkdownReader(settings)
    notes = [str(p) for p in markdown_sources() if "[^" in p.read_text(encoding="utf-8")]
    assert len(notes) >= 2
    forced_html = [forced.read_here(path)[0] for path in notes]
    plain_html = [plain.read(path)[0] for path in notes]
    assert forced_html[0] == plain_html[0]
    assert forced_html[1:] != plain_html[1:]


def test_replayed_log_lines_follow_pelican_s_logger_rules(monkeypatch):
    logger = logging.getLogger("pelican.fastbuild-test")
    assert isinstance(logger, FatalLogger), "Pelican's logger class"

    def record(text: str) -> logging.LogRecord:
        return logger.makeRecord(logger.name, logging.WARNING, __file__, 1, text, None, None)

    replay_record(record("fastbuild test: a line from a worker"))
    # A repeat, which Pelican's filter drops (it raises FilteredMessage to say so).
    replay_record(record("fastbuild test: a line from a worker"))
    monkeypatch.setattr(FatalLogger, "fatal_lvl", logging.WARNING)  # pelican --fatal warnings
    with pytest.raises(RuntimeError, match="Warning or error encountered"):
        replay_record(record("fastbuild test: a warning that stops the build"))
