"""Find secrets committed by mistake: private keys, cloud keys, literal passwords and tokens.

Scans the files git knows about (tracked, and new files not ignored) so a key pasted
into a config is caught before it is pushed. Placeholders, environment references
(``$NAME``) and the well-known dummy values of test tools are allowed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Secrets recognisable by their shape, in any file.
SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}\b"),
    "npm token": re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
}
# ``name = value`` / ``name: value`` / ``NAME=value`` where the name says "secret".
ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|
        private[_-]?key|salt|credentials?)[a-z0-9_.-]*)
    ["']?\s*(?:=|:)\s*
    (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s#;,]+)
    """
)
# Files whose assignments are configuration (where a literal secret would be deployed).
CONFIG_SUFFIXES = {
    ".cfg", ".conf", ".ini", ".env", ".toml", ".yaml", ".yml", ".json", ".properties",
    ".service", ".example", ".sample", ".tfvars",
}  # fmt: skip
CONFIG_NAMES = re.compile(
    r"(^|/)(\.env[^/]*|(pelican|publish)conf\.py|([a-z_]+_)?settings\.py|config\.py"
    r"|\.npmrc|\.pypirc|\.netrc)$"
)
# Values that are not secrets: placeholders, references, empty and boolean-ish values.
PLACEHOLDER = re.compile(
    r"""(?ix)^(
        \$\{?[a-z_][a-z0-9_]*\}?            # $NAME / ${NAME}: read from the environment
        | %\([a-z_]+\)s | \{\{.*\}\} | <[^>]*> # templates
        | (change|replace|set)[-_ ]?me.* | please[-_ ].* | your[-_ ].* | example.* | dummy.*
        | x{3,} | \*{3,} | \.{3} | …
        | none | null | nil | true | false | yes | no | on | off | required | optional
        | env | environ.* | os\.environ.* | getenv.* | settings\..* | config\..*
    )$"""
)
# Known dummy credentials of test tools (moto, localstack) and this project's tests.
ALLOWED_VALUES = {"testing", "test", "foobar", "secret", "password", "dummy"}
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        # the value itself is never printed: the report may end up in CI logs
        return f"{self.path}:{self.line}: {self.kind}"


def repository_files(root: Path = ROOT) -> list[str]:
    """Tracked files plus new files git does not ignore (what the next commit may hold)."""
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    )
    names = {name for name in result.stdout.decode("utf-8", "replace").split("\0") if name}
    return sorted(name for name in names if (root / name).is_file())


def is_config(path: str) -> bool:
    return Path(path).suffix.lower() in CONFIG_SUFFIXES or bool(CONFIG_NAMES.search(path))


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()


def is_literal_secret(value: str) -> bool:
    """A value that looks like a real secret rather than a placeholder or reference."""
    text = _unquote(value)
    if len(text) < 4 or text.lower() in ALLOWED_VALUES or PLACEHOLDER.match(text):
        return False
    # a function call computing the value (os.environ.get(...), secrets.token_hex(...)),
    # also cut at its first comma by ASSIGNMENT
    return not re.fullmatch(r"[a-z_][a-z0-9_.]*\(.*", text, re.I)


def scan_text(text: str, path: str) -> list[Finding]:
    findings = []
    config = is_config(path)
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, shape in SHAPES.items():
            if shape.search(line):
                findings.append(Finding(path, number, kind))
        if config and not line.lstrip().startswith(("#", ";", "//")):
            for match in ASSIGNMENT.finditer(line):
                if is_literal_secret(match.group("value")):
                    findings.append(Finding(path, number, f"literal value for {match['name']!r}"))
    return findings


def scan_repository(root: Path = ROOT, files: Iterable[str] | None = None) -> list[Finding]:
    findings = []
    for name in files if files is not None else repository_files(root):
        path = root / name
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (images): nothing a person pasted
        findings.extend(scan_text(data.decode("utf-8", "replace"), name))
    return findings


def main() -> int:
    findings = scan_repository()
    for finding in findings:
        print(f"error: {finding}", file=sys.stderr)
    print(f"{len(findings)} possible secret(s).", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
