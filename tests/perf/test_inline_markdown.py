"""The inline-pattern shortcut (plugins/fastbuild/inline_markdown.py) changes no output."""

from __future__ import annotations

import random
from pathlib import Path

import markdown
import pytest

from plugins.fastbuild import inline_markdown
from tests.sitebuild import ROOT

EXTENSIONS = [
    "markdown.extensions.meta",
    "markdown.extensions.extra",
    "markdown.extensions.toc",
    "markdown.extensions.smarty",
]
ALPHABET = "abc XY 01\n\t.,;:-–—!?()[]{}<>&#*_`'\"\\/@=+^~|%$\x02\x03"


def converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=EXTENSIONS,
        extension_configs={"markdown.extensions.smarty": {"smart_angled_quotes": True}},
        output_format="html5",
    )


def all_inline_patterns(md: markdown.Markdown) -> list:
    return list(md.inlinePatterns) + list(md.treeprocessors["smarty"].inlinePatterns)


@pytest.fixture
def shortcut():
    inline_markdown.install()
    inline_markdown.activate(True)
    yield
    inline_markdown.activate(False)


def test_every_pattern_of_the_site_is_known():
    unknown = [
        p.compiled_re.pattern
        for p in all_inline_patterns(converter())
        if inline_markdown.needed_characters(p) is None
    ]
    assert unknown == []


def test_text_without_the_needed_characters_never_matches():
    rng = random.Random(6)
    for pattern in all_inline_patterns(converter()):
        needs = inline_markdown.needed_characters(pattern)
        alphabet = [c for c in ALPHABET if c not in needs]
        for _ in range(400):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            assert pattern.compiled_re.search(text) is None, (pattern.compiled_re.pattern, text)


def _sources() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").rglob("*.md"))]
    rng = random.Random(7)
    pieces = ["*a*", "**b**", "_c_", "`d`", "[e](f)", "![g](h.png)", "<i>", "&amp;", "'j'",
              '"k"', "l--m", "n---o", "...", "<<p>>", "\\*", "[^1]", "\n\n[^1]: note", "  \n",
              "<https://q.example>", "<r@s.example>", "*t _u_*", "word", " ", "\n"]  # fmt: skip
    for _ in range(200):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))))
    return texts


def test_same_html_with_and_without_the_shortcut(shortcut):
    sources = _sources()
    inline_markdown.activate(False)
    plain = [converter().convert(text) for text in sources]
    inline_markdown.activate(True)
    md = converter()
    fast = [md.reset().convert(text) for text in sources]
    assert fast == plain


def test_inactive_means_markdown_s_own_loop(shortcut):
    inline_markdown.activate(False)
    md = converter()
    md.convert("*x* and 'y'")
    assert md.treeprocessors["inline"]._fastbuild_patterns is None


def test_synthetic_posts_convert_identically(shortcut, tmp_path):
    from bench.synth import generate_site

    site = generate_site(Path(tmp_path), posts=30, openings=0, comments=0, seed=3)
    sources = [p.read_text(encoding="utf-8") for p in site.posts]
    inline_markdown.activate(False)
    plain = [converter().convert(text) for text in sources]
    inline_markdown.activate(True)
    assert [converter().convert(text) for text in sources] == plain
