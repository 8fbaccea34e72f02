"""Defaults for share_cards; override any of them in pelicanconf.py."""

# Draw a card for every post and every role (False: pages offer RECRUITER["share_image"]).
SHARE_CARDS = True
# Where cards go in the output: <path>/posts/<slug>-<digest>.png, <path>/openings/...
SHARE_CARDS_PATH = "cards"
# Draw in a forked process beside the build (False: in the build process, at the end).
SHARE_CARDS_PARALLEL = True
# The address printed on every card; "" = the host of SITE_ORIGIN.
SHARE_CARD_SITE = ""
# Font files, first choice first: a character the first one has no glyph for is drawn
# with the next (Debian's fonts-dejavu-core and fonts-droid-fallback; ./dev installs them).
_DEJAVU = "/usr/share/fonts/truetype/dejavu"
_FALLBACK = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
SHARE_CARD_FONTS = {
    "bold": (f"{_DEJAVU}/DejaVuSans-Bold.ttf", _FALLBACK),
    "regular": (f"{_DEJAVU}/DejaVuSans.ttf", _FALLBACK),
}

_NAMES = (
    "SHARE_CARDS",
    "SHARE_CARDS_PATH",
    "SHARE_CARDS_PARALLEL",
    "SHARE_CARD_SITE",
    "SHARE_CARD_FONTS",
)


def apply_defaults(settings: dict) -> None:
    for name in _NAMES:
        settings.setdefault(name, globals()[name])
