"""Benchmark: this site against vanilla Pelican 4.12 on the same synthetic posts.

One run generates a synthetic site (bench/synth.py) into a temporary folder, then
repeats, alternating who goes first:
- the cold build of this project (empty output and cache folders),
- one post edited, then the warm rebuild of this project (content cache loaded),
- the cold build of the same posts by vanilla Pelican (its default theme and settings).
Every build runs in a fresh process; wall time and peak RSS come from the operating
system (os.wait4). Medians are reported, with every raw run in the JSON file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PELICAN = str(Path(PYTHON).with_name("pelican"))

# Vanilla Pelican with its defaults: only what its quickstart asks for is set.
VANILLA_SETTINGS = """AUTHOR = "Bench"
SITENAME = "Bench"
TIMEZONE = "Europe/London"
"""

# Each feature's own cost, and what each speed-up buys: the cold build without it,
# every round, beside the full one (a negative cost is time the feature saves).
FEATURES_OFF = {
    "subscriptions (forms, manifest)": {"AUDIENCE_URL": ""},
    "reading stats (counting script, opt-out page)": {"STATS_COUNTING": False},
    "scheduled posts": {"SCHEDULE_FUTURE_POSTS": False},
    "share cards (one per post and role)": {"SHARE_CARDS": False},
    "fastbuild (every speed-up)": {"FAST_BUILD": False},
    "fastbuild's parallel workers (vs one)": {"FASTBUILD_WORKERS": 1},
    "search (Pagefind)": {"SEARCH_ENABLED": False},
}

TARGETS = {
    "cold_vs_vanilla": 1.0,  # ours / vanilla, cold builds
    "warm_vs_cold": 0.35,  # ours warm / ours cold
    "scaling_10k": 11.0,  # 10,000-post cold build / 1,000-post cold build
    "peak_rss_mb_10k": 600,
}


@dataclass
class Run:
    kind: str  # "ours-cold", "ours-warm", "vanilla-cold"
    seconds: float
    peak_rss_mb: float
    worker_peak_rss_mb: float = 0.0
    ok: bool = True
    details: dict = field(default_factory=dict)


def _run_measured(command: list[str], cwd: Path) -> tuple[float, float, int, str, str]:
    """Wall seconds, peak RSS (MB) of the process itself, return code, stdout, stderr.

    The files earlier builds wrote are flushed to disk first, so no build pays for
    writing out another one's output.
    """
    os.sync()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(process.pid, 0)  # this process only, with its peak RSS
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        stdout = out_file.read().decode("utf-8", "replace")
        stderr = err_file.read().decode("utf-8", "replace")
    return seconds, usage.ru_maxrss / 1024, process.returncode, stdout, stderr


def _clean(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def snapshot_project(site: Path) -> Path:
    """A copy of the settings, plugins, theme and build code, taken once per run.

    Other people keep editing the working tree; every build of one benchmark run must
    measure the same code (and an edited plugin would rightly drop the content cache).
    """
    project = site / "project"
    _clean(project)
    project.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "results")
    for name in ("pelicanconf.py", "plugins", "theme", "sitekit", "bench"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, project / name)
    return project


def build_ours(site: Path, round_number: int, warm: bool, feature_off: str | None = None) -> Run:
    """A fresh, empty output and cache folder per round (cold); the same ones again (warm).

    Nothing is deleted between measured builds: deleting thousands of files keeps the
    disk busy for a while and would slow whichever build comes next.
    """
    folder = f"ours-{round_number}" + (f"-without-{len(feature_off)}" if feature_off else "")
    output = site / "runs" / folder / "output"
    cache = site / "runs" / folder / "cache"
    project = site / "project"
    command = [PYTHON, "-m", "bench.child", "--settings", str(project / "pelicanconf.py"),
               "--content", str(site / "content"), "--output", str(output),
               "--cache", str(cache)]  # fmt: skip
    if warm:
        command.append("--load-cache")
    for name, value in FEATURES_OFF.get(feature_off, {}).items():
        command += ["--set", f"{name}={json.dumps(value)}"]
    seconds, rss, code, stdout, stderr = _run_measured(command, project)
    try:
        details = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        details = {"ok": False, "problems": [stderr[-2000:]]}
    return Run(
        kind=f"without:{feature_off}" if feature_off else "ours-warm" if warm else "ours-cold",
        seconds=seconds,
        peak_rss_mb=rss,
        worker_peak_rss_mb=details.get("worker_peak_rss_kb", 0) / 1024,
        ok=code == 0 and details.get("ok", False),
        details=details,
    )


def build_vanilla(site: Path, round_number: int) -> Run:
    peer = site / "peer"
    output = site / "runs" / f"vanilla-{round_number}" / "output"
    command = [PELICAN, "content", "-o", str(output), "-s", "vanilla.py", "-q"]
    seconds, rss, code, _, stderr = _run_measured(command, peer)
    return Run("vanilla-cold", seconds, rss, ok=code == 0, details={"stderr": stderr[-2000:]})


def edit_one_post(site, round_number: int) -> None:
    """The same edit in our content and the vanilla copy, so both build the same posts."""
    from bench.synth import edit_post

    path = site.posts[len(site.posts) // 2 + round_number]
    edit_post(path, round_number)
    edit_post(site.peer_content / "posts" / path.name, round_number)


def median(runs: list[Run], kind: str, attribute: str = "seconds") -> float:
    values = [getattr(run, attribute) for run in runs if run.kind == kind]
    return statistics.median(values) if values else float("nan")


def summarise(runs: list[Run], posts: int, peer: bool) -> dict:
    cold, warm = median(runs, "ours-cold"), median(runs, "ours-warm")
    summary = {
        "ours_cold_s": round(cold, 2),
        "ours_warm_s": round(warm, 2),
        "ours_posts_per_s": round(posts / cold, 1),
        "ours_peak_rss_mb": round(
            max(r.peak_rss_mb for r in runs if r.kind in ("ours-cold", "ours-warm")), 1
        ),
        "ours_worker_peak_rss_mb": round(
            max((r.worker_peak_rss_mb for r in runs if r.kind != "vanilla-cold"), default=0), 1
        ),
        "warm_vs_cold": round(warm / cold, 3),
        "feature_cost_s": {
            feature: round(cold - median(runs, f"without:{feature}"), 3)
            for feature in FEATURES_OFF
            if any(r.kind == f"without:{feature}" for r in runs)
        },
    }
    if peer:
        vanilla = median(runs, "vanilla-cold")
        summary.update(
            {
                "vanilla_cold_s": round(vanilla, 2),
                "vanilla_posts_per_s": round(posts / vanilla, 1),
                "vanilla_peak_rss_mb": round(
                    max(r.peak_rss_mb for r in runs if r.kind == "vanilla-cold"), 1
                ),
                "cold_vs_vanilla": round(cold / vanilla, 3),
            }
        )
    return summary


def table(summary: dict, params: dict, scaling: dict | None) -> str:
    def verdict(value, target) -> str:
        return "met" if value <= target else "NOT met"

    posts = params["posts"]
    lines = [
        f"Synthetic site: {posts:,} posts, {params['openings']:,} openings, "
        f"{params['comments']:,} comments; medians of {params['repeats']} alternating runs "
        f"on {params['cpus']} CPU(s).",
        "",
        "| Measure | This site | Vanilla Pelican 4.12 | Ratio | Target |",
        "|---|---:|---:|---:|---|",
    ]
    vanilla = "cold_vs_vanilla" in summary
    if vanilla:
        ratio = summary["cold_vs_vanilla"]
        lines.append(
            f"| Cold build (s) | {summary['ours_cold_s']:.2f} | {summary['vanilla_cold_s']:.2f} "
            f"| {ratio:.2f}× (ours / vanilla) | ≤ 1.00×: {verdict(ratio, 1.0)} |"
        )
    else:
        lines.append(f"| Cold build (s) | {summary['ours_cold_s']:.2f} | (not run) | | |")
    ratio = summary["warm_vs_cold"]
    lines.append(
        f"| Warm rebuild, one post edited (s) | {summary['ours_warm_s']:.2f} | | "
        f"{ratio:.2f}× (warm / cold) | ≤ 0.35×: {verdict(ratio, 0.35)} |"
    )
    lines.append(
        f"| Posts per second, cold | {summary['ours_posts_per_s']:.0f} | "
        + (f"{summary['vanilla_posts_per_s']:.0f} |" if vanilla else " |")
        + " | |"
    )
    rss_target = " ≤ 600 MB" if posts >= 10_000 else ""
    rss_verdict = f": {verdict(summary['ours_peak_rss_mb'], 600)}" if rss_target else ""
    lines.append(
        f"| Peak RSS, main process (MB) | {summary['ours_peak_rss_mb']:.0f} | "
        + (f"{summary['vanilla_peak_rss_mb']:.0f} |" if vanilla else " |")
        + f" |{rss_target}{rss_verdict} |"
    )
    lines.append(
        f"| Peak RSS, largest worker (MB) | {summary['ours_worker_peak_rss_mb']:.0f} | | | |"
    )
    if scaling:
        lines.append(
            f"| Cold build, {posts:,} vs {scaling['posts']:,} posts | "
            f"{summary['ours_cold_s']:.2f} | ({scaling['ours_cold_s']:.2f} s, {scaling['date']}) | "
            f"{scaling['ratio']:.2f}× | ≤ 11×: {verdict(scaling['ratio'], 11)} |"
        )
    for feature, cost in summary.get("feature_cost_s", {}).items():
        share = cost / summary["ours_cold_s"] if summary["ours_cold_s"] else 0.0
        lines.append(f"| Cost of {feature} (s, cold) | {cost:+.2f} | | {share:+.1%} of cold | |")
    return "\n".join(lines)


def _scaling(posts: int, summary: dict, results: Path) -> dict | None:
    """Compare with the last 1,000-post result of this machine, if there is one."""
    if posts < 10_000:
        return None
    baseline_file = results / "posts-1000.json"
    if not baseline_file.exists():
        return None
    baseline = json.loads(baseline_file.read_text(encoding="utf-8"))
    base_cold = baseline["summary"]["ours_cold_s"]
    return {
        "posts": baseline["params"]["posts"],
        "ours_cold_s": base_cold,
        "date": baseline["params"]["date"][:10],
        "ratio": round(summary["ours_cold_s"] / base_cold, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--openings", type=int, default=None, help="default: posts / 5")
    parser.add_argument("--comments", type=int, default=None, help="default: posts / 2")
    parser.add_argument("--repeats", type=int, default=None, help="default: 5, or 1 at 10k+")
    parser.add_argument("--no-peer", action="store_true", help="skip vanilla Pelican")
    parser.add_argument("--workdir", help="keep the synthetic site here (default: temporary)")
    parser.add_argument(
        "--json",
        default=str(RESULTS / "latest.json"),
        help="where the result goes; posts-<N>.json is written beside it",
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.synth import generate_site

    posts = args.posts
    openings = args.openings if args.openings is not None else posts // 5
    comments = args.comments if args.comments is not None else posts // 2
    repeats = args.repeats or (1 if posts >= 10_000 else 5)
    peer = not args.no_peer
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-"))
    params = {
        "posts": posts,
        "openings": openings,
        "comments": comments,
        "repeats": repeats,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
    }
    print(f"generating {posts:,} posts, {openings} openings, {comments} comments in {workdir}",
          flush=True)  # fmt: skip
    site = generate_site(workdir, posts=posts, openings=openings, comments=comments)
    (workdir / "peer" / "vanilla.py").write_text(VANILLA_SETTINGS, encoding="utf-8")
    snapshot_project(workdir)
    _clean(workdir / "runs")  # a reused --workdir: every cold build starts empty

    runs: list[Run] = []
    try:
        for round_number in range(repeats):
            ours_first = round_number % 2 == 1
            order = ["ours", "vanilla"] if ours_first else ["vanilla", "ours"]
            first_of_round = len(runs)
            for who in order:
                if who == "vanilla" and peer:
                    runs.append(build_vanilla(workdir, round_number))
                elif who == "ours":
                    runs.append(build_ours(workdir, round_number, warm=False))
                    edit_one_post(site, round_number)
                    runs.append(build_ours(workdir, round_number, warm=True))
                    for feature in FEATURES_OFF:
                        runs.append(build_ours(workdir, round_number, False, feature))
            for run in runs[first_of_round:]:
                flag = "" if run.ok else "  FAILED: " + json.dumps(run.details)[:500]
                print(f"  round {round_number + 1}: {run.kind:12} {run.seconds:7.2f} s "
                      f"{run.peak_rss_mb:6.0f} MB{flag}", flush=True)  # fmt: skip
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    if not all(run.ok for run in runs):
        print("some builds failed; no result written", file=sys.stderr)
        return 1

    params["load_average_end"] = os.getloadavg()
    summary = summarise(runs, posts, peer)
    results = Path(args.json).resolve().parent
    scaling = _scaling(posts, summary, results)
    result = {
        "params": params,
        "summary": summary,
        "scaling": scaling,
        "targets": TARGETS,
        "runs": [asdict(run) for run in runs],
    }
    print()
    print(table(summary, params, scaling))
    results.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2) + "\n"
    Path(args.json).write_text(text, encoding="utf-8")
    (results / f"posts-{posts}.json").write_text(text, encoding="utf-8")
    print(f"\nwrote {os.path.relpath(args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
