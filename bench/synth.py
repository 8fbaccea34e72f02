"""A synthetic site for the benchmark: N posts, M openings, C archived comments.

Everything comes from one seeded RNG, so the same arguments always write the same
bytes. Posts are about 500 words with headings, lists, a table, a code block and
links (external and intra-site), spread over categories and tags the way a
fifteen-year blog is.
"""

from __future__ import annotations

import datetime
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CATEGORIES = [
    "Hiring", "Interviews", "Careers", "Salaries", "Remote work", "Leadership",
    "Candidate experience", "Job market",
]  # fmt: skip
TAGS = [
    "cv", "cover letters", "linkedin", "offers", "counter offers", "notice periods",
    "onboarding", "feedback", "rejection", "take-home tasks", "pair programming",
    "system design", "behavioural interviews", "referrals", "contracting", "freelance",
    "startups", "scale-ups", "enterprise", "fintech", "healthtech", "python", "rust",
    "frontend", "data", "machine learning", "devops", "security", "product managers",
    "engineering managers", "graduates", "career changers", "diversity", "relocation",
    "visas", "equity", "benefits", "four-day week", "hybrid", "burnout",
]  # fmt: skip
WORDS = (  # noqa: SIM905 - a sentence is easier to edit than a list
    "candidate role team hiring manager interview offer salary process feedback week "
    "call question answer company people engineer product project skill experience "
    "market notice recruiter reference culture growth learning remote office city "
    "career change contract trust honest clear simple early late first last good "
    "better hard easy quick slow small large open closed shortlist pipeline brief "
    "advert screening panel debrief decision timeline budget benefit pension equity "
    "bonus holiday flexible hours commute manager lead senior junior graduate mentor"
).split()
CODE_SNIPPETS = [
    ("python", "def notice_end(start, weeks):\n    return start + timedelta(weeks=weeks)\n"),
    ("sql", "SELECT role, count(*)\n  FROM applications\n GROUP BY role\n ORDER BY 2 DESC;\n"),
    ("bash", "grep -c 'offer accepted' pipeline.log\nwc -l shortlist.csv\n"),
    ("json", '{"role": "Backend engineer", "salary": [60000, 75000], "remote": true}\n'),
]
FIRST_NAMES = ["Ada", "Bilal", "Chen", "Dara", "Eitan", "Femi", "Greta", "Hana", "Ivo", "Jun"]
LAST_NAMES = ["Adeyemi", "Brooks", "Costa", "Duarte", "Eriksen", "Farah", "Gill", "Haas"]
LOCATIONS = [
    "Leeds, West Yorkshire, GB", "Manchester, Greater Manchester, GB", "London, London, GB",
    "Edinburgh, Scotland, GB", "Bristol, Bristol, GB", "Dublin, Leinster, IE",
]  # fmt: skip
WORK_MODES = ["remote", "hybrid", "onsite"]
EMPLOYMENT_TYPES = ["FULL_TIME", "PART_TIME", "CONTRACTOR"]


@dataclass(frozen=True)
class SyntheticSite:
    content: Path  # our site's content folder (posts, pages, openings, comments)
    peer_content: Path  # the same posts only, for vanilla Pelican
    posts: list[Path]
    openings: int
    comments: int


def _sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _title(rng: random.Random, index: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 7))]
    return f"{' '.join(words).capitalize()} ({index})"


def _post_body(rng: random.Random, index: int, slugs: list[str]) -> str:
    """About 500 words: intro, three sections with a list, a table and a code block."""
    other = slugs[rng.randrange(len(slugs))]
    language, code = rng.choice(CODE_SNIPPETS)
    parts = [
        _paragraph(rng, 4) + f" Read [the guide](https://example.org/guides/{index}) or my "
        f"[earlier post]({{filename}}/posts/{other}.md) first.",
        "## " + _title(rng, index).split(" (")[0],
        _paragraph(rng, 5),
        "\n".join(f"- {_sentence(rng, 4, 9)}" for _ in range(rng.randint(3, 5))),
        _paragraph(rng, 5),
        "## What the numbers say",
        "| Stage | Candidates | Days |\n|---|---:|---:|\n"
        + "\n".join(
            f"| {stage} | {rng.randint(1, 80)} | {rng.randint(1, 30)} |"
            for stage in ("Applied", "Screened", "Interviewed", "Offered")
        ),
        _paragraph(rng, 5),
        f"```{language}\n{code}```",
        "### " + _title(rng, index).split(" (")[0],
        "\n".join(f"{n}. {_sentence(rng, 4, 9)}" for n in range(1, rng.randint(3, 5))),
        _paragraph(rng, 5) + ' Quotes get "smart" -- and so do dashes.',
    ]
    return "\n\n".join(parts) + "\n"


def write_post(path: Path, rng: random.Random, index: int, slugs: list[str], start) -> None:
    date = start + datetime.timedelta(hours=index * 131 + rng.randint(0, 100))
    tags = rng.sample(TAGS, rng.randint(2, 4))
    lines = [
        f"Title: {_title(rng, index)}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {CATEGORIES[rng.randrange(len(CATEGORIES))]}",
        f"Tags: {', '.join(tags)}",
        f"Slug: {slugs[index]}",
    ]
    if rng.random() < 0.5:
        lines.append(f"Summary: {_sentence(rng, 12, 24)}")
    path.write_text("\n".join(lines) + "\n\n" + _post_body(rng, index, slugs), encoding="utf-8")


def write_opening(path: Path, rng: random.Random, index: int, start) -> None:
    """One role in the metadata format of plugins/openings (see content/openings)."""
    posted = start + datetime.timedelta(days=index)
    mode = rng.choice(WORK_MODES)
    low = rng.randint(40, 70) * 1000
    lines = [
        f"Title: {_title(rng, index).split(' (')[0].capitalize()} engineer {index}",
        f"Slug: synthetic-role-{index:04d}",
        f"Ref: SYN-{index:05d}",
        f"Status: {rng.choice(['open', 'open', 'open', 'filled'])}",
        f"Date: {posted:%Y-%m-%d %H:%M}",
        f"Valid_through: {datetime.date(2031, 1, 1) + datetime.timedelta(days=index):%Y-%m-%d}",
        f"Company: {rng.choice(LAST_NAMES)} {rng.choice(['Labs', 'Health', 'Bank', 'Games'])}",
        f"Company_url: https://example.com/company/{index}",
        f"Employment_type: {rng.choice(EMPLOYMENT_TYPES)}",
        f"Work_mode: {mode}",
    ]
    if mode == "remote":
        lines.append("Applicant_countries: GB, IE")
    else:
        lines.append(f"Location: {rng.choice(LOCATIONS)}")
    lines += [
        f"Salary_min: {low}",
        f"Salary_max: {low + rng.randint(5, 30) * 1000}",
        "Salary_currency: GBP",
        "Salary_unit: YEAR",
        f"Category: {rng.choice(['Engineering', 'Product', 'Data', 'Design'])}",
        f"Tags: {', '.join(rng.sample(TAGS, 2))}",
        f"Summary: {_sentence(rng, 10, 20)}",
        f"Apply_url: https://example.com/apply/{index}",
    ]
    body = "\n\n".join(
        [
            _paragraph(rng, 4),
            "## What you would do",
            "\n".join(f"- {_sentence(rng, 4, 9)}" for _ in range(4)),
            "## What you bring",
            "\n".join(f"- {_sentence(rng, 4, 9)}" for _ in range(4)),
        ]
    )
    path.write_text("\n".join(lines) + "\n\n" + body + "\n", encoding="utf-8")


def write_comments(folder: Path, rng: random.Random, count: int, slugs: list[str], start):
    """``count`` comment files, a few per article, some of them replies."""
    written = 0
    while written < count:
        slug = slugs[rng.randrange(len(slugs))]
        thread = folder / slug
        thread.mkdir(parents=True, exist_ok=True)
        existing = sorted(p.stem for p in thread.glob("*.md"))
        name = f"c{written:05d}"
        when = start + datetime.timedelta(days=3000 + written, minutes=rng.randint(0, 600))
        lines = [
            f"Author: {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"Date: {when:%Y-%m-%d %H:%M}",
        ]
        if rng.random() < 0.3:
            lines.append(f"Website: https://example.net/{name}")
        if existing and rng.random() < 0.4:
            lines.append(f"Reply_to: {existing[-1]}")
        body = _paragraph(rng, rng.randint(1, 3)) + " *Thanks* for [this](https://example.org/)."
        (thread / f"{name}.md").write_text("\n".join(lines) + "\n\n" + body + "\n", "utf-8")
        written += 1


def generate_site(
    root: Path, posts: int = 1000, openings: int = 200, comments: int = 500, seed: int = 6
) -> SyntheticSite:
    """Write ``root/content`` (our site) and ``root/peer/content`` (posts only)."""
    rng = random.Random(seed)  # noqa: S311 - text, not secrets
    content = Path(root) / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in ("pages", "extra", "images"):
        source = ROOT / "content" / folder
        if source.is_dir():
            shutil.copytree(source, content / folder)
    posts_dir = content / "posts"
    posts_dir.mkdir(parents=True)
    start = datetime.datetime(2011, 1, 3, 9, 0)
    slugs = [f"post-{index:05d}" for index in range(posts)]
    paths = []
    for index in range(posts):
        path = posts_dir / f"{slugs[index]}.md"
        write_post(path, rng, index, slugs, start)
        paths.append(path)
    if openings:
        (content / "openings").mkdir()
        for index in range(openings):
            write_opening(content / "openings" / f"role-{index:04d}.md", rng, index, start)
    if comments:
        write_comments(content / "comments", rng, comments, slugs, start)
    peer = Path(root) / "peer" / "content"
    if peer.exists():
        shutil.rmtree(peer)
    shutil.copytree(posts_dir, peer / "posts")
    return SyntheticSite(content, peer, paths, openings, comments)


def edit_post(path: Path, round_number: int) -> None:
    """The author's typical edit while writing: one more paragraph at the end."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\nAn added paragraph, edit number {round_number}, with *emphasis*.\n")
