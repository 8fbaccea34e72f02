"""`invoke regenerate`: rebuild whenever a source, the theme, a plugin or the settings change.

Content and theme changes rebuild in this process (Pelican's content cache makes that
quick). A change to code (a plugin, the settings) restarts the process, so the next
build runs the new code instead of the code imported at start.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sitekit.build import ROOT, build_site, print_report

WATCHED = ("content", "theme", "plugins", "pelicanconf.py", "publishconf.py")
CODE = ("plugins", "pelicanconf.py", "publishconf.py")


def is_code_change(path: str | os.PathLike, root: Path = ROOT) -> bool:
    """A changed plugin or settings file: only a new process runs its new code."""
    try:
        relative = Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    return relative.parts[:1] in [(name,) for name in CODE] and relative.suffix == ".py"


def restart_with_new_code(reason: str) -> None:
    print(f"{reason} changed: restarting to load the new code", flush=True)
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # noqa: S606 - itself again


def rebuild(settings_file: str) -> bool:
    report = build_site(settings_file, {"LOAD_CONTENT_CACHE": True})
    print_report(report)
    print("build failed" if report.failed() else f"built in {report.seconds:.2f} s", flush=True)
    return not report.failed()


def main(argv: list[str] | None = None) -> int:
    from watchfiles import watch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    args = parser.parse_args(argv)
    rebuild(args.settings)
    paths = [Path(ROOT, name) for name in WATCHED if Path(ROOT, name).exists()]
    print("watching content/, theme/, plugins/ and settings (Ctrl-C to stop)", flush=True)
    try:
        for changes in watch(*paths):
            code = sorted(path for _, path in changes if is_code_change(path))
            if code:
                restart_with_new_code(os.path.relpath(code[0], ROOT))
            rebuild(args.settings)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
