"""The Isso config files: production is locked down, development matches the dev site."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from pelican.settings import read_settings

from sitekit.comments.server import (
    CONFIG_DIR,
    DEV_CONFIG,
    PRODUCTION_CONFIG,
    CommentServerError,
    missing_variables,
    read_config,
    start_isso,
)
from tests.sitebuild import ROOT

SECRET_KEYS = {("admin", "password"), ("smtp", "username"), ("smtp", "password"),
               ("hash", "salt")}  # fmt: skip


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_isso_accepts_every_key_in_both_configs(caplog):
    from isso import config as isso_config

    with caplog.at_level(logging.WARNING, logger="isso"):
        for path in (DEV_CONFIG, PRODUCTION_CONFIG):
            isso_config.load(isso_config.default_file(), str(path))
    assert [r.getMessage() for r in caplog.records if "no such option" in r.getMessage()] == []


def test_production_is_moderated_guarded_and_notifies_by_mail():
    conf = read_config(PRODUCTION_CONFIG)
    assert conf.getboolean("moderation", "enabled")
    assert conf.getboolean("guard", "enabled")
    assert conf.getint("guard", "ratelimit") <= 3 and conf.getint("guard", "direct-reply") <= 3
    assert conf.getboolean("admin", "enabled")
    assert conf.get("general", "notify") == "smtp"
    for key in ("host", "port", "username", "password", "to", "from"):
        assert conf.get("smtp", key).startswith(("$ISSO_", "$SMTP_", "$MAIL_")), key
    assert conf.get("server", "listen").startswith("http://127.0.0.1:")
    assert conf.getboolean("general", "gravatar") is False


def test_no_secret_is_committed():
    for path in (DEV_CONFIG, PRODUCTION_CONFIG):
        conf = read_config(path)
        for section, key in SECRET_KEYS:
            if conf.has_option(section, key):
                assert re.fullmatch(r"\$\{?(ISSO|SMTP)_[A-Z_]+\}?", conf.get(section, key)), (
                    path,
                    key,
                )
    example = (CONFIG_DIR / "isso.env.example").read_text(encoding="utf-8")
    assert "change-me" in example


def test_production_host_is_the_published_site_origin():
    publish = read_settings(str(ROOT / "publishconf.py"))
    conf = read_config(PRODUCTION_CONFIG)
    assert conf.get("general", "host").split() == [origin(publish["SITEURL"])]
    assert conf.get("server", "public-endpoint") == publish["COMMENTS_URL"].rstrip("/")


def test_development_matches_the_dev_site_and_comments_url():
    dev = read_settings(str(ROOT / "pelicanconf.py"))
    conf = read_config(DEV_CONFIG)
    assert origin(dev["SITE_ORIGIN"]) in conf.get("general", "host").split()
    assert conf.get("server", "listen") == "http://127.0.0.1:8080"
    assert conf.get("server", "public-endpoint") == dev["COMMENTS_URL"].rstrip("/")
    assert conf.get("general", "dbpath").startswith("var/")
    assert conf.getboolean("moderation", "enabled")


def test_the_database_folder_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "var/" in ignored or "/var/" in ignored


def test_systemd_unit_runs_gunicorn_with_the_env_file():
    unit = (CONFIG_DIR / "isso.service").read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/isso/isso.env" in unit
    assert "gunicorn --config /etc/isso/gunicorn.conf.py" in unit
    assert "isso_wsgi:application" in unit
    assert 'ExecStartPre=/usr/bin/test -n "${ISSO_ADMIN_PASSWORD}"' in unit
    # The unit checks exactly the variables the production config reads (less the one
    # isso_wsgi.py derives), and the example env file defines every one of them.
    checked = set(re.findall(r'ExecStartPre=/usr/bin/test -n "\$\{(\w+)\}"', unit))
    lines = PRODUCTION_CONFIG.read_text(encoding="utf-8").splitlines()
    config = "\n".join(line for line in lines if not line.lstrip().startswith(("#", ";")))
    read = set(re.findall(r"\$(\w+)", config)) - {"ISSO_SMTP_SECURITY"}
    assert checked == read | {"ISSO_SETTINGS"}
    example = (CONFIG_DIR / "isso.env.example").read_text(encoding="utf-8")
    defined = set(re.findall(r"^(\w+)=", example, re.M))
    assert checked - {"ISSO_SETTINGS"} <= defined


def test_unset_variables_stop_the_server_before_it_starts(tmp_path):
    assert set(missing_variables(PRODUCTION_CONFIG, {})) >= {
        "ISSO_ADMIN_PASSWORD", "SMTP_PASSWORD", "ISSO_HASH_SALT"
    }  # fmt: skip
    with pytest.raises(CommentServerError, match="ISSO_ADMIN_PASSWORD"):
        start_isso(PRODUCTION_CONFIG, env={}, cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_wsgi_entry_defers_the_purge_thread_until_after_the_fork(tmp_path):
    """Under --preload no thread may run in gunicorn's master while it forks the workers."""
    from tests.quality.comment_server import environment, production_config

    config = production_config(tmp_path, "http://127.0.0.1:9", 9)
    probe = (
        "import os, time, isso_wsgi\n"
        "threads = lambda: len(os.listdir('/proc/self/task'))  # OS threads, _thread ones too\n"
        "before = threads()\n"
        "deferred = len(isso_wsgi._purges_to_start)\n"
        "isso_wsgi.start_purge_threads()\n"
        "deadline = time.monotonic() + 10\n"
        "while threads() == before and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print(before, deferred, threads())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=CONFIG_DIR, env=environment(config),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    before, deferred, after = map(int, result.stdout.split()[-3:])
    assert (before, deferred) == (1, 1), "moderation's purge must wait for the worker"
    assert after == 2, "each worker starts its own purge thread"
