"""Drawing cards: real fonts, real PNGs decoded by Pillow, text boxes measured, not pixels."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from plugins.share_cards import draw, settings
from plugins.share_cards.model import HEIGHT, MARGIN, WIDTH, CardText

BOLD = settings.SHARE_CARD_FONTS["bold"]
REGULAR = settings.SHARE_CARD_FONTS["regular"]
NAME, SITE = "Maren Okafor", "okafor-talent.example"


@pytest.fixture(scope="module")
def drawer() -> draw.CardDrawer:
    return draw.CardDrawer(BOLD, REGULAR)


def _cmap(path: str) -> set[int]:
    with TTFont(path, lazy=True) as font:
        return set(font.getBestCmap())


def _decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # decompresses the whole stream: CRCs and adler-32 checked
    return image


def _inside_margins(boxes) -> None:
    assert boxes
    for left, top, right, bottom in boxes:
        assert left >= MARGIN and right <= WIDTH - MARGIN, (left, right)
        assert top >= MARGIN and bottom <= HEIGHT - MARGIN, (top, bottom)


def role(title: str, where: str = "Harrowgate Freight · Hybrid · Leeds, United Kingdom"):
    facts = (where, "Full-time · £68,000 a year")
    return CardText("Open role · Engineering", title, facts, NAME, SITE)


def test_a_card_is_a_1200_by_630_palette_png_under_100_kb(drawer):
    drawn = drawer.draw(role("Senior Platform Engineer"))
    image = _decoded(drawn.png)
    assert image.format == "PNG" and image.size == (1200, 630) and image.mode == "P"
    assert len(drawn.png) < 100_000
    assert drawn.missing == ""
    _inside_margins(drawn.boxes)


def test_the_text_is_really_drawn_where_its_boxes_say(drawer):
    drawn = drawer.draw(role("Senior Platform Engineer"))
    rgb = _decoded(drawn.png).convert("RGB")
    background = rgb.getpixel((5, 5))
    for left, top, right, bottom in drawn.boxes:
        inked = rgb.crop((left, top, right, bottom)).getcolors(100_000)
        assert any(colour != background for _, colour in inked)
    # nothing is drawn in the margins outside the footer band
    margin = rgb.crop((0, 0, WIDTH, MARGIN)).getcolors()
    assert margin == [(WIDTH * MARGIN, background)]


def test_a_200_character_title_shrinks_to_three_lines_and_ends_with_an_ellipsis(drawer):
    words = [
        "hiring",
        "managers",
        "interviews",
        "candidates",
        "offers",
        "feedback",
        "platforms",
        "teams",
    ]
    rng = random.Random(7)
    title = ""
    while len(title) < 200:
        title += rng.choice(words) + " "
    title = title[:200].strip()
    size, lines = drawer.layout_title(title)
    assert size == min(drawer.style.title_sizes)
    assert len(lines) == 3 and lines[-1].endswith("…")
    drawn = drawer.draw(role(title))
    assert drawn.missing == ""
    _inside_margins(drawn.boxes)
    # a long word with no spaces at all is broken, never drawn past the margin
    drawn = drawer.draw(role("Supercalifragilistic" * 10))
    _inside_margins(drawn.boxes)


def test_the_alt_text_is_the_cards_text_within_420_characters():
    from plugins.share_cards.model import alt_text

    text = role("Senior Platform Engineer")
    assert alt_text(text) == (
        "Open role · Engineering: Senior Platform Engineer. Harrowgate Freight · Hybrid · "
        "Leeds, United Kingdom. Full-time · £68,000 a year. Maren Okafor, okafor-talent.example."
    )
    long = alt_text(role("Platform " * 100))
    assert len(long) <= 420 and long.endswith("…")


def test_a_short_title_stays_large(drawer):
    size, lines = drawer.layout_title("Data Engineer")
    assert size == max(drawer.style.title_sizes) and lines == ["Data Engineer"]


@pytest.mark.parametrize(
    "title, where",
    [
        ("Μηχανικός Λογισμικού για την ομάδα πληρωμών", "Ζαχαροπλαστείο · Αθήνα, Ελλάδα"),
        ("Inżynier danych (m/k)", "Łódź, Poland; São Paulo, Brazil; Kraków, Poland"),
        ("Desenvolvedor sênior de integrações", "São Paulo, Brasil · Remoto · Ação"),
    ],
)
def test_greek_polish_and_portuguese_draw_every_glyph_inside_the_margins(drawer, title, where):
    drawn = drawer.draw(role(title, where))
    assert drawn.missing == ""
    _inside_margins(drawn.boxes)
    primary = _cmap(BOLD[0]) & _cmap(REGULAR[0])
    assert all(ord(c) in primary for c in title + where)  # the first font has them all


def test_text_the_first_font_lacks_comes_from_the_fallback(drawer):
    title = "東京のデータエンジニア 採用"
    assert any(ord(c) not in _cmap(BOLD[0]) for c in title)
    drawn = drawer.draw(role(title))
    assert drawn.missing == ""
    _inside_margins(drawn.boxes)
    # the title lines really have ink: the same card without them differs
    assert drawn.png != drawer.draw(role("")).png


def test_text_no_font_has_is_reported_not_drawn_as_boxes(drawer):
    assert 0x1F680 not in _cmap(BOLD[0]) | _cmap(BOLD[1])
    drawn = drawer.draw(role("Launch engineer 🚀"))
    assert drawn.missing == "🚀"
    assert drawn.png == drawer.draw(role("Launch engineer")).png


def _luminance(rgb) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, two) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_text_colour_passes_wcag_aa_on_its_background():
    style = draw.Style()
    for ink in ("title", "kicker", "facts"):
        assert contrast(getattr(style, ink), style.background) >= 4.5, ink
    for ink in ("footer", "footer_muted"):
        assert contrast(getattr(style, ink), style.band) >= 4.5, ink


def test_the_same_text_gives_the_same_bytes_and_other_text_other_bytes(drawer):
    one = drawer.draw(role("Backend Developer")).png
    assert draw.CardDrawer(BOLD, REGULAR).draw(role("Backend Developer")).png == one
    assert drawer.draw(role("Backend Developers")).png != one


def test_pieces_of_the_zlib_stream_add_up():
    rng = random.Random(3)
    data = bytes(rng.randrange(4) for _ in range(50_000))
    for cut in (0, 1, 777, 49_999, 50_000):
        first, second = data[:cut], data[cut:]
        combined = draw._adler_combine(zlib.adler32(first), zlib.adler32(second), len(second))
        assert combined == zlib.adler32(data)
    pieces = [draw._deflate_piece(data[:777]), draw._deflate_piece(data[777:])]
    stream = b"".join(piece for piece, _, _ in pieces) + b"\x03\x00"
    assert zlib.decompress(stream, -15) == data
