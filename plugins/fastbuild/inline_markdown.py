"""Python-Markdown's inline pass, minus the searches that cannot match.

Markdown tries every inline pattern (about 15, plus 18 for smarty) on every piece of
text, one regular-expression search after another; that loop is most of the time
a post takes to convert. Every pattern below needs a certain character to match
(a link needs ``[``, emphasis ``*`` or ``_``, a smart quote ``'`` or ``"``), so a
text without any of those characters is not searched with it. Replacing matched
text with placeholders never adds such characters, so the answer stays right while
the text changes. Patterns not listed (from other extensions, or changed in another
Markdown version: the table matches exact expressions) are always searched.
The result is the same HTML, character for character (tests/perf compares).
"""

from __future__ import annotations

from markdown import util
from markdown.treeprocessors import InlineProcessor

from . import guards

# Exact pattern -> characters of which a match contains at least one.
NEEDS: dict[str, str] = {
    # markdown.inlinepatterns
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": "\\`",
    r"\\(.)": "\\",
    r"(?<!\!)\[": "[",
    r"\!\[": "[",
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": "<",
    r"<([^<> !]+@[^@<> ]+)>": "<",
    r"  \n": "\n",
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": "&",
    r"\*|_": "*_",
    # markdown.extensions.footnotes
    r"\[\^([^\]]*)\]": "[",
    # markdown.extensions.smarty
    r"(?<!-)---(?!-)": "-",
    r"(?<!-)--(?!-)": "-",
    r"\<\<": "<",
    r"\>\>": ">",
    r"(?<!\.)\.{3}(?!\.)": ".",
    "^'(?=[!\"#\\$\\%'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)": "'",
    '^"(?=[!"#\\$\\%\'()*+,-.\\/:;<=>?\\@\\[\\\\\\]\\^_`{|}~]\\B)': '"',
    "\"'(?=\\w)": "'",
    "'\"(?=\\w)": "'",
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\'\"": "'",
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])\\\"'": '"',
    "(?<!\\w)'(?=\\d{2}s)": "'",
    "(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)'(?=\\w)": "'",
    "(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])'(?!\\s|s\\b|\\d)": "'",
    "'(\\s|s\\b)": "'",
    "'": "'",
    '(\\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)"(?=\\w)': '"',
    '"(?=\\s)': '"',
    '(?<=[^\\ \\t\\r\\n\\[\\{\\(\\-\\u0002\\u0003])"': '"',
    '"': '"',
}
_HTML_TAG_START = "(<(\\/?+[a-zA-Z]"  # markdown.inlinepatterns.HTML_RE and relatives
# Every character some pattern needs: which of them a text holds is looked up once.
_ALL_NEEDED = tuple(sorted(set("".join(NEEDS.values())) | {"<"}))

_state = {"active": False, "installed": False}
_original_run = guards.original("markdown.treeprocessors.InlineProcessor.run")
_original_handle = guards.original(
    "markdown.treeprocessors.InlineProcessor._InlineProcessor__handleInline"
)
_apply = guards.original("markdown.treeprocessors.InlineProcessor._InlineProcessor__applyPattern")


def needed_characters(pattern) -> str | None:
    """Characters one of which any match of ``pattern`` contains, or None if unknown."""
    compiled = getattr(pattern, "compiled_re", None)
    if compiled is None:
        return None
    expression = compiled.pattern
    if expression in NEEDS:
        return NEEDS[expression]
    if expression.startswith(_HTML_TAG_START):
        return "<"
    return None


def _run(self, tree, ancestors=None):
    if _state["active"]:
        patterns = list(self.inlinePatterns)
        known = getattr(self, "_fastbuild_known", None)
        if known is None or known[0] != patterns:  # once per Markdown instance, in practice
            table = []
            for pattern in patterns:
                needs = needed_characters(pattern)
                table.append((pattern, None if needs is None else frozenset(needs)))
            self._fastbuild_known = (patterns, table)
        self._fastbuild_patterns = self._fastbuild_known[1]
    else:
        self._fastbuild_patterns = None
    return _original_run(self, tree, ancestors)


def _handle_inline(self, data, patternIndex=0):  # noqa: N803 - Markdown's own signature
    patterns = getattr(self, "_fastbuild_patterns", None)
    if patterns is None:
        return _original_handle(self, data, patternIndex)
    # Markdown's loop, with the pointless searches left out. Matches only ever take
    # characters out of the text (placeholders hold none of these), so what the text
    # holds at the start is enough to know which searches can still find something.
    if not isinstance(data, util.AtomicString):
        present = {character for character in _ALL_NEEDED if character in data}
        start = 0
        count = len(patterns)
        while patternIndex < count:
            pattern, needs = patterns[patternIndex]
            if needs is not None and present.isdisjoint(needs):
                patternIndex += 1
                start = 0  # what a failed search returns
                continue
            data, matched, start = _apply(self, pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
    return data


def install() -> None:
    if _state["installed"] or _original_handle is None or _apply is None:
        return  # another Markdown version: leave it alone
    if not guards.unchanged(
        "markdown.treeprocessors.InlineProcessor.run",
        "markdown.treeprocessors.InlineProcessor._InlineProcessor__handleInline",
        "markdown.treeprocessors.InlineProcessor._InlineProcessor__applyPattern",
    ):
        return
    InlineProcessor.run = _run
    InlineProcessor._InlineProcessor__handleInline = _handle_inline
    _state["installed"] = True


def activate(active: bool) -> None:
    _state["active"] = active
