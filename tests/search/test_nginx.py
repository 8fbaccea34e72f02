"""The sample nginx config, run for real: the search page gets its own policy, and only it.

The site's HTTPS server block from deploy/nginx/site.conf is served over plain HTTP on
a loopback port (listen and certificate lines swapped, root pointed at the fixture
build); everything else, the locations and every add_header, is the file as it is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.quality.test_security import SITE_HOST, csp_directives, server_block
from tests.sitebuild import free_port, require

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def nginx_url(search_site, tmp_path_factory):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    require(nginx is not None, "nginx is not installed (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    body = server_block(SITE_HOST)
    body = re.sub(r"^\s*(listen|ssl_[a-z_]+)\s[^;]*;", "", body, flags=re.M)
    body = re.sub(r"^\s*root\s[^;]*;", f"root {search_site.output};", body, flags=re.M)
    temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    (folder / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; {temp}\n"
        f"  server {{ listen 127.0.0.1:{port}; {body} }}\n}}\n",
        encoding="utf-8",
    )
    command = [nginx, "-p", str(folder), "-e", str(folder / "error.log")]
    process = subprocess.Popen(
        [*command, "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while _get(base + "/") is None:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except OSError:
        return None


def test_only_the_search_page_may_run_webassembly(nginx_url):
    for path in ("/search/", "/search/?q=python&mode=remote", "/search/index.html"):
        status, headers = _get(nginx_url + path)
        assert status == 200, path
        assert (
            "'wasm-unsafe-eval'" in csp_directives(headers["Content-Security-Policy"])["script-src"]
        ), path
        assert headers["X-Frame-Options"] == "DENY", path  # the other headers are there too
        assert headers["Strict-Transport-Security"].startswith("max-age="), path
    status, headers = _get(nginx_url + "/search")
    assert status == 301 and headers["Location"].endswith("/search/")
    for path in ("/", "/posts/marsupial-interviews/", "/pagefind/pagefind.js", "/no-such-page/"):
        status, headers = _get(nginx_url + path)
        assert status in (200, 404), path
        policy = headers["Content-Security-Policy"]
        assert "wasm-unsafe-eval" not in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
