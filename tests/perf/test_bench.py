"""`invoke bench` runs end to end on a tiny site (no timing is checked: that is the
benchmark's job, not a test's)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sitebuild import ROOT


def test_the_benchmark_builds_both_sites_and_writes_its_table(tmp_path):
    result_file = tmp_path / "latest.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--posts", "24", "--openings", "4",
         "--comments", "6", "--repeats", "1", "--json", str(result_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| Cold build (s) |" in run.stdout and "Vanilla Pelican 4.12" in run.stdout

    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert (tmp_path / "posts-24.json").exists()
    kinds = sorted(r["kind"] for r in result["runs"])
    from bench.run import FEATURES_OFF

    assert kinds == sorted(
        ["ours-cold", "ours-warm", "vanilla-cold", *(f"without:{f}" for f in FEATURES_OFF)]
    )
    for feature in (
        "subscriptions (forms, manifest)",
        "fastbuild (every speed-up)",
        "search (Pagefind)",
    ):
        assert f"| Cost of {feature} (s, cold) |" in run.stdout
    assert set(result["summary"]["feature_cost_s"]) == set(FEATURES_OFF)
    assert all(r["ok"] and r["seconds"] > 0 and r["peak_rss_mb"] > 0 for r in result["runs"])

    by_kind = {r["kind"]: r for r in result["runs"]}
    cold, warm = by_kind["ours-cold"]["details"], by_kind["ours-warm"]["details"]
    assert cold["fastbuild"]["skipped"] == 0
    # One post was edited: the rebuild renders its pages and leaves most alone.
    assert warm["fastbuild"]["skipped"] > warm["fastbuild"]["rendered"]
    assert result["summary"]["warm_vs_cold"] > 0
