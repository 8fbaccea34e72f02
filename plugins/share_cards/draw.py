"""Drawing a share card: 1200×630 palette PNGs, a millisecond or two each.

What makes it cheap (a build draws a card per post and per role):
- Glyphs are rasterised once per font and size and pasted from a cache; a line of
  text is a row of pastes, not a fresh FreeType layout.
- The canvas is a palette image drawn as 8-bit indices: each colour pair (background,
  ink) owns a run of 32 palette entries, so anti-aliased ink blended over its
  background's first index stays inside its own run. No RGB, no quantising.
- Only the rows that hold this card's own text are compressed. The rows every card
  shares (empty rows, the footer band with the recruiter's name and site) are
  compressed once per build, and the PNG's one zlib stream is assembled from those
  pieces (each piece ends on a full flush, so none refers back into another).
- The canvas is one column wider than the card: column 0 is PNG's per-row filter
  byte (0, "none"), so the canvas bytes are the PNG rows as they are.
No Pelican import: ``CardDrawer.draw(text)`` takes plain values. Imported only where
cards are drawn (the drawing process), so the build process never loads Pillow.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from dataclasses import dataclass, field

from PIL import Image, ImageFont, features

try:  # ISA-L's deflate: the same format, several times faster than zlib at level 1
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is pinned in requirements.txt
    _deflate = zlib

from .model import HEIGHT, MARGIN, WIDTH, CardText

_LEVELS = 32  # palette entries per colour pair
_SLACK = 8  # lines are laid out this much narrower: ink may overhang a glyph's advance
_BASE = 65521  # adler-32's modulus
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Style:
    """Colours (RGB) and sizes; the defaults pass WCAG AA (tests check every pair)."""

    background: tuple[int, int, int] = (0x1F, 0x5F, 0x5B)
    band: tuple[int, int, int] = (0x15, 0x42, 0x3F)
    title: tuple[int, int, int] = (0xFF, 0xFF, 0xFF)
    kicker: tuple[int, int, int] = (0xB9, 0xE6, 0xDF)
    facts: tuple[int, int, int] = (0xE4, 0xF1, 0xEE)
    footer: tuple[int, int, int] = (0xFF, 0xFF, 0xFF)
    footer_muted: tuple[int, int, int] = (0xC8, 0xE3, 0xDE)
    title_sizes: tuple[int, ...] = (66, 58, 50, 44)
    title_lines: int = 3
    kicker_size: int = 26
    facts_size: int = 31
    footer_size: int = 29
    band_top: int = 500


@dataclass
class Drawn:
    png: bytes
    # Text that no font could draw (left out), and where each line's ink landed.
    missing: str = ""
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


# The colour pairs, in palette order: (background, ink) per run of _LEVELS entries.
_PAIRS = ("title", "kicker", "facts", "footer", "footer_muted")


def _ramp_palette(style: Style) -> bytes:
    palette = bytearray()
    for name in _PAIRS:
        back = style.band if name.startswith("footer") else style.background
        ink = getattr(style, name)
        for level in range(_LEVELS):
            palette += bytes(
                round(back[k] + (ink[k] - back[k]) * level / (_LEVELS - 1)) for k in range(3)
            )
    return bytes(palette)


def _base(pair: str) -> int:
    return _PAIRS.index(pair) * _LEVELS


# Coverage (0-255) -> palette index, for each colour run.
_RUNS = {
    _base(pair): [_base(pair) + round(a * (_LEVELS - 1) / 255) for a in range(256)]
    for pair in _PAIRS
}


def _covered(path: str) -> frozenset[int]:
    """The code points a font file has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


class _Faces:
    """One typeface (a font file and its fallbacks) at any size, with a glyph cache."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = paths
        self._coverage: dict[str, frozenset[int]] = {}
        self._fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
        self._shaper: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
        self._glyphs: dict[tuple[int, str], tuple] = {}
        self._kerning: dict[tuple[int, str, str, str], float] = {}
        self._which: dict[str, str | None] = {}
        self._words: dict[tuple[int, str], tuple] = {}
        self._indexed: dict[tuple[int, str, int], tuple] = {}

    def font_for(self, char: str) -> str | None:
        """The first font file with a glyph for ``char`` (None: no font has one)."""
        found = self._which.get(char, False)
        if found is False:
            found = None
            point = ord(char)
            for path in self.paths:
                coverage = self._coverage.get(path)
                if coverage is None:
                    coverage = self._coverage[path] = _covered(path)
                if point in coverage:
                    found = path
                    break
            self._which[char] = found
        return found

    def font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        found = self._fonts.get((path, size))
        if found is None:
            found = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
            self._fonts[(path, size)] = found
        return found

    def glyph(self, size: int, char: str) -> tuple:
        """(advance, mask or None, x offset, y offset from the baseline, width, height)."""
        found = self._glyphs.get((size, char))
        if found is None:
            path = self.font_for(char)
            if path is None:
                found = (0.0, None, 0, 0, 0, 0, None)
            else:
                font = self.font(path, size)
                mask, (dx, dy) = font.getmask2(char, "L", anchor="ls")
                width, height = mask.size
                found = (
                    font.getlength(char),
                    mask if width and height else None,
                    dx,
                    dy,
                    width,
                    height,
                    path,
                )
            self._glyphs[(size, char)] = found
        return found

    def kerning(self, size: int, path: str, left: str, right: str) -> float:
        """The pair's kerning (GPOS, through raqm when Pillow has it), cached."""
        key = (size, path, left, right)
        found = self._kerning.get(key)
        if found is None:
            found = 0.0
            if _HAS_RAQM:
                shaper = self._shaper.get((path, size))
                if shaper is None:
                    shaper = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)
                    self._shaper[(path, size)] = shaper
                pair = shaper.getlength(left + right)
                found = pair - shaper.getlength(left) - shaper.getlength(right)
            self._kerning[key] = found
        return found

    def word(self, size: int, word: str) -> tuple:
        """(advance, mask or None, x offset, y offset, width, height, characters left out).

        A word is drawn once per size, glyph by glyph with kerning, into one mask.
        """
        found = self._words.get((size, word))
        if found is not None:
            return found
        placed = []
        pen = 0.0
        previous = None
        missing = ""
        for char in word:
            advance, mask, dx, dy, width, height, path = self.glyph(size, char)
            if path is None:
                missing += char
                previous = None
                continue
            if previous is not None and previous[1] == path:
                pen += self.kerning(size, path, previous[0], char)
            if mask is not None:
                placed.append((round(pen) + dx, dy, width, height, mask))
            pen += advance
            previous = (char, path)
        if not placed:
            found = (pen, None, 0, 0, 0, 0, missing)
        else:
            left = min(p[0] for p in placed)
            top = min(p[1] for p in placed)
            right = max(p[0] + p[2] for p in placed)
            bottom = max(p[1] + p[3] for p in placed)
            canvas = Image.new("L", (right - left, bottom - top), 0)
            for x, y, width, height, mask in placed:
                x, y = x - left, y - top
                canvas.im.paste(255, (x, y, x + width, y + height), mask)
            found = (pen, canvas.im, left, top, right - left, bottom - top, missing)
        self._words[(size, word)] = found
        return found

    def word_in(self, size: int, word: str, base: int) -> tuple:
        """The word as palette indices of the colour run starting at ``base``: pasted as
        it is (no blending), since every run's first entry is the same background."""
        key = (size, word, base)
        found = self._indexed.get(key)
        if found is None:
            advance, mask, dx, dy, width, height, missing = self.word(size, word)
            if mask is not None:
                mask = mask.point(_RUNS[base], None)
            found = self._indexed[key] = (advance, mask, dx, dy, width, height, missing)
        return found

    def width(self, size: int, text: str) -> float:
        """Advance of a line: its words plus the spaces between them."""
        words = text.split(" ")
        return sum(self.word(size, w)[0] for w in words) + (len(words) - 1) * self.space(size)

    def space(self, size: int) -> float:
        return self.glyph(size, " ")[0]

    def ascent_descent(self, size: int) -> tuple[int, int]:
        return self.font(self.paths[0], size).getmetrics()


_HAS_RAQM = features.check("raqm")


def _tidy(text: str) -> str:
    """NFC, one space between words, no control or format characters."""
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable():
        text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(text.split())


class CardDrawer:
    """Draws cards with one style and one pair of typefaces (bold, regular)."""

    def __init__(
        self, bold: tuple[str, ...], regular: tuple[str, ...], style: Style | None = None
    ) -> None:
        self.style = style or Style()
        self.bold = _Faces(bold)
        self.regular = _Faces(regular)
        self.palette = _ramp_palette(self.style)
        self._blank: dict[int, tuple[bytes, int]] = {}  # rows -> (deflate piece, adler)
        self._footer: tuple[bytes, int, int] | None = None
        self._footer_key: tuple[str, str] | None = None
        header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 3, 0, 0, 0)
        self._head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", self.palette)

    # -- layout --------------------------------------------------------------------

    def _wrap(self, faces: _Faces, size: int, text: str, width: float) -> list[str]:
        """Greedy wrap; a word wider than the line is broken between characters."""
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        space = faces.space(size)
        for word in text.split(" "):
            advance = faces.word(size, word)[0]
            if line and used + space + advance <= width:
                line.append(word)
                used += space + advance
                continue
            if line:
                lines.append(" ".join(line))
            while advance > width:
                cut = self._fitting_prefix(faces, size, word, width)
                lines.append(word[:cut])
                word = word[cut:]
                advance = faces.word(size, word)[0]
            line, used = [word], advance
        if line:
            lines.append(" ".join(line))
        return lines

    def _fitting_prefix(self, faces: _Faces, size: int, text: str, width: float) -> int:
        cut = 1
        while cut < len(text) and faces.width(size, text[: cut + 1]) <= width:
            cut += 1
        return cut

    def _ellipsised(self, faces: _Faces, size: int, text: str, width: float) -> str:
        """``text`` cut at a word (or character) so that it and "…" fit in ``width``."""
        if faces.width(size, text) <= width:
            return text
        room = width - faces.width(size, _ELLIPSIS)
        words = text.split(" ")
        while len(words) > 1 and faces.width(size, " ".join(words)) > room:
            words.pop()
        kept = " ".join(words)
        if faces.width(size, kept) > room:
            kept = kept[: self._fitting_prefix(faces, size, kept, room)]
        return kept.rstrip(" ,;:·–—-") + _ELLIPSIS

    def layout_title(self, title: str) -> tuple[int, list[str]]:
        """The largest size at which the title fits its lines; else the smallest, cut."""
        style = self.style
        width = WIDTH - 2 * MARGIN - _SLACK
        lines: list[str] = []
        for size in style.title_sizes:
            lines = self._wrap(self.bold, size, title, width)
            if len(lines) <= style.title_lines:
                return size, lines
        size = style.title_sizes[-1]
        kept = lines[: style.title_lines]
        rest = " ".join(lines[style.title_lines - 1 :])
        kept[-1] = self._ellipsised(self.bold, size, rest, width)
        return size, kept

    # -- drawing -------------------------------------------------------------------

    def _draw_line(self, canvas, faces, size, text, x, baseline, base, boxes) -> str:
        """Paste the words of one line in the colour run ``base``; returns what no font has."""
        paste = canvas.im.paste
        pen = float(x)
        space = faces.space(size)
        missing = ""
        left, top, right, bottom = WIDTH + 1, HEIGHT, 0, 0
        for number, word in enumerate(text.split(" ")):
            advance, indexed, dx, dy, width, height, left_out = faces.word_in(size, word, base)
            missing += left_out
            if number == 0 and dx < 0:  # ink left of the pen ("Ł", "J"): keep it inside
                pen -= dx
            if indexed is not None:
                gx = round(pen) + dx + 1  # +1: column 0 is the filter byte
                gy = baseline + dy
                paste(indexed, (gx, gy, gx + width, gy + height))
                left, top = min(left, gx - 1), min(top, gy)
                right, bottom = max(right, gx - 1 + width), max(bottom, gy + height)
            pen += advance + space
        if right > left:
            boxes.append((left, top, right, bottom))
        return missing

    def _band(self, height: int, pair: str):
        canvas = Image.new("L", (WIDTH + 1, height), _base(pair))
        canvas.im.paste(0, (0, 0, 1, height))  # the filter bytes
        return canvas

    def draw(self, text: CardText) -> Drawn:
        style = self.style
        title = _tidy(text.title) or " "
        kicker = _tidy(text.kicker)
        facts = [_tidy(line) for line in text.facts if _tidy(line)][:2]
        width = WIDTH - 2 * MARGIN - _SLACK
        size, title_lines = self.layout_title(title)
        missing = ""
        boxes: list[tuple[int, int, int, int]] = []

        # Rows MARGIN.. of this card's own text: kicker, title, facts, one canvas.
        k_ascent, k_descent = self.bold.ascent_descent(style.kicker_size)
        t_ascent, t_descent = self.bold.ascent_descent(size)
        f_ascent, f_descent = self.regular.ascent_descent(style.facts_size)
        title_step = round(size * 1.16)
        facts_step = round(style.facts_size * 1.45)
        kicker_base = MARGIN + k_ascent
        title_top = kicker_base + k_descent + 22
        title_base = title_top + t_ascent
        facts_top = title_base + (len(title_lines) - 1) * title_step + t_descent + 30
        facts_base = facts_top + f_ascent
        bottom = facts_base + (len(facts) - 1) * facts_step + f_descent if facts else facts_top
        bottom = min(bottom, style.band_top - 20)
        top = MARGIN
        canvas = Image.new("L", (WIDTH + 1, bottom - top), 0)
        if kicker:
            kicker = self._ellipsised(self.bold, style.kicker_size, kicker.upper(), width)
            missing += self._draw_line(
                canvas, self.bold, style.kicker_size, kicker, MARGIN, kicker_base - top,
                _base("kicker"), boxes,
            )  # fmt: skip
        for number, line in enumerate(title_lines):
            missing += self._draw_line(
                canvas, self.bold, size, line, MARGIN, title_base + number * title_step - top,
                _base("title"), boxes,
            )  # fmt: skip
        for number, line in enumerate(facts):
            line = self._ellipsised(self.regular, style.facts_size, line, width)
            missing += self._draw_line(
                canvas, self.regular, style.facts_size, line, MARGIN,
                facts_base + number * facts_step - top, _base("facts"), boxes,
            )  # fmt: skip
        boxes = [(x0, y0 + top, x1, y1 + top) for x0, y0, x1, y1 in boxes]

        pieces = [self._blank_rows(top)]
        pieces.append(_deflate_piece(canvas.tobytes()))
        pieces.append(self._blank_rows(style.band_top - bottom))
        footer, footer_missing, footer_boxes = self._footer_rows(text.name, text.site)
        pieces.append(footer)
        png = self._png(pieces)
        return Drawn(png, missing + footer_missing, boxes + footer_boxes)

    def _footer_rows(self, name: str, site: str):
        """The band with the recruiter's name and the site: the same on every card."""
        key = (name, site)
        if self._footer is None or self._footer_key != key:
            style = self.style
            height = HEIGHT - style.band_top
            canvas = self._band(height, "footer")
            ascent, descent = self.bold.ascent_descent(style.footer_size)
            lowest = HEIGHT - MARGIN - descent - style.band_top  # inside the bottom margin
            baseline = min((height + ascent - descent) // 2, lowest)
            boxes: list = []
            width = WIDTH - 2 * MARGIN - _SLACK
            name = self._ellipsised(self.bold, style.footer_size, _tidy(name), width * 0.55)
            missing = self._draw_line(
                canvas, self.bold, style.footer_size, name, MARGIN, baseline,
                _base("footer"), boxes,
            )  # fmt: skip
            site = _tidy(site)
            room = width - self.bold.width(style.footer_size, name) - 40
            site = self._ellipsised(self.regular, style.footer_size, site, room)
            site_x = WIDTH - MARGIN - _SLACK - round(self.regular.width(style.footer_size, site))
            canvas.im.paste(_base("footer_muted"), (site_x - 10 + 1, 0, WIDTH + 1, height))
            missing += self._draw_line(
                canvas, self.regular, style.footer_size, site, site_x, baseline,
                _base("footer_muted"), boxes,
            )  # fmt: skip
            boxes = [(x0, y0 + style.band_top, x1, y1 + style.band_top) for x0, y0, x1, y1 in boxes]
            self._footer = (_deflate_piece(canvas.tobytes()), missing, boxes)
            self._footer_key = key
        piece, missing, boxes = self._footer
        return piece, missing, boxes

    def _blank_rows(self, count: int) -> tuple[bytes, int, int]:
        found = self._blank.get(count)
        if found is None:
            found = self._blank[count] = _deflate_piece(bytes((WIDTH + 1) * max(count, 0)))
        return found

    def _png(self, pieces: list[tuple[bytes, int, int]]) -> bytes:
        adler, total = 1, 0
        for _, piece_adler, length in pieces:
            adler = _adler_combine(adler, piece_adler, length)
            total += length
        assert total == (WIDTH + 1) * HEIGHT, total  # noqa: S101 - a layout bug, caught in tests
        stream = b"".join(
            [b"\x78\x01", *(piece for piece, _, _ in pieces), b"\x03\x00", struct.pack(">I", adler)]
        )
        return self._head + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")


def _deflate_piece(raw: bytes) -> tuple[bytes, int, int]:
    """Raw deflate ending on a full flush: it can be followed by any other piece."""
    compressor = _deflate.compressobj(1, _deflate.DEFLATED, -15)
    data = compressor.compress(raw) + compressor.flush(_deflate.Z_FULL_FLUSH)
    return data, _deflate.adler32(raw), len(raw)


def _adler_combine(first: int, second: int, length: int) -> int:
    """adler-32 of A+B from adler(A), adler(B) and len(B) (zlib's adler32_combine)."""
    remainder = length % _BASE
    sum1 = first & 0xFFFF
    sum2 = (remainder * sum1) % _BASE
    sum1 = (sum1 + (second & 0xFFFF) + _BASE - 1) % _BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + _BASE - remainder) % _BASE
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
