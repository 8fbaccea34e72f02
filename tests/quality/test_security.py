"""Gate 6: security headers, a Content-Security-Policy the pages keep, no secrets.

The headers are read from the sample nginx config (deploy/nginx/site.conf), never
copied into the test, so the policy and the HTML cannot drift apart. Reader text
(comments) is covered in tests/comments (archived files and the build snapshot, in
page and feed); what is added here: control characters in reader text, the live
widget under the production policy, and its accessibility.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from pelican.settings import read_settings
from playwright.sync_api import Error as PlaywrightError

from sitekit.devserver import SiteRequestHandler
from sitekit.secretscan import Finding, scan_repository, scan_text
from tests.quality.comment_server import single_process_isso
from tests.quality.conftest import import_or_require, node_tool
from tests.quality.pages import POST_WITH_COMMENTS, html_files, url_path
from tests.sitebuild import ROOT, build, free_port, require

NGINX_CONF = ROOT / "deploy" / "nginx" / "site.conf"
PUBLISHED = read_settings(str(ROOT / "publishconf.py"))
REQUIRED_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Strict-Transport-Security",
)


# -- reading the nginx config ----------------------------------------------------


def _strip_comments(text: str) -> str:
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def blocks(text: str, name: str) -> list[str]:
    """The bodies of every ``name { ... }`` block (nested braces and quotes respected)."""
    text = _strip_comments(text)
    found = []
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}\b[^{{;]*\{{", text):
        depth, index, quote = 1, match.end(), None
        while depth and index < len(text):
            char = text[index]
            if quote:
                quote = None if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            index += 1
        found.append(text[match.end() : index - 1])
    return found


def server_block(host: str) -> str:
    """The HTTPS server block of ``host`` in the sample config."""
    for body in blocks(NGINX_CONF.read_text(encoding="utf-8"), "server"):
        names = re.search(r"^\s*server_name\s+([^;]+);", body, re.M)
        if names and host in names.group(1).split() and re.search(r"listen\s+[^;]*443", body):
            return body
    raise AssertionError(f"{NGINX_CONF}: no HTTPS server block for {host}")


def headers_of(block: str) -> dict[str, str]:
    """``add_header Name "value" always;`` lines at the top level of a server block."""
    top_level = block
    for location in blocks(block, "location"):
        top_level = top_level.replace(location, "")
    headers = {}
    for match in re.finditer(
        r"^\s*add_header\s+([\w-]+)\s+(\"[^\"]*\"|'[^']*'|\S+)(\s+always)?\s*;", top_level, re.M
    ):
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        headers[match.group(1)] = value
    return headers


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


SITE_HOST = urlsplit(PUBLISHED["SITEURL"]).hostname
COMMENTS_ORIGIN = origin(PUBLISHED["COMMENTS_URL"]) if PUBLISHED.get("COMMENTS_URL") else ""
AUDIENCE_ORIGIN = origin(PUBLISHED["AUDIENCE_URL"]) if PUBLISHED.get("AUDIENCE_URL") else ""
# Pages count their views on the audience server: a beacon and a <noscript> image.
COUNTING_DIRECTIVES = ("connect-src", "img-src")


def site_headers() -> dict[str, str]:
    require(NGINX_CONF.exists(), f"no sample nginx config at {NGINX_CONF}")
    return headers_of(server_block(SITE_HOST))


_LOCATION = re.compile(r"(?<![\w-])location\s+(=|~\*|~|\^~)?\s*([^\s{]+)\s*\{")


def locations_with_headers(block: str) -> list[tuple[str, str, dict[str, str]]]:
    """``(modifier, pattern, headers)`` of each location that sets headers of its own."""
    found = []
    bodies = blocks(block, "location")
    for match, body in zip(_LOCATION.finditer(_strip_comments(block)), bodies, strict=True):
        headers = headers_of(body)
        if headers:
            found.append((match.group(1) or "", match.group(2), headers))
    return found


def location_matches(modifier: str, pattern: str, path: str) -> bool:
    if modifier == "=":
        return path == pattern
    if modifier in ("~", "~*"):
        return re.search(pattern, path, re.I if modifier == "~*" else 0) is not None
    return path.startswith(pattern)


def headers_for(path: str) -> dict[str, str]:
    """The headers nginx sends for ``path``: a location's own set, else the server's."""
    block = server_block(SITE_HOST)
    for modifier, pattern, headers in locations_with_headers(block):
        if location_matches(modifier, pattern, path):
            return headers
    return headers_of(block)


class _LikeNginx(SiteRequestHandler):
    """The dev server's handler, sending the headers nginx would send for each path."""

    def end_headers(self) -> None:
        for name, value in headers_for(urlsplit(self.path).path).items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@contextlib.contextmanager
def serve_like_nginx(site_dir: Path, port: int) -> Iterator[str]:
    handler = functools.partial(_LikeNginx, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="nginx-like", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- the config itself -------------------------------------------------------------


def test_site_and_comment_server_send_the_security_headers():
    site = site_headers()
    assert set(REQUIRED_HEADERS) <= set(site), site
    assert site["X-Content-Type-Options"] == "nosniff"
    assert site["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")
    max_age = int(re.search(r"max-age=(\d+)", site["Strict-Transport-Security"]).group(1))
    assert max_age >= 180 * 24 * 3600
    if COMMENTS_ORIGIN:
        comments = headers_of(server_block(urlsplit(COMMENTS_ORIGIN).hostname))
        assert set(REQUIRED_HEADERS[1:]) <= set(comments), comments


def test_a_location_with_headers_repeats_all_of_them():
    """nginx drops every inherited add_header in a location that has its own: the one
    location allowed its own (the search page) sends every server header, the same
    except for 'wasm-unsafe-eval' in script-src, which it needs for Pagefind."""
    for server in blocks(NGINX_CONF.read_text(encoding="utf-8"), "server"):
        top = headers_of(server)
        for modifier, pattern, headers in locations_with_headers(server):
            assert location_matches(modifier, pattern, "/search/"), pattern
            assert location_matches(modifier, pattern, "/search/index.html"), pattern
            assert not location_matches(modifier, pattern, "/search/other/"), pattern
            assert set(headers) == set(top), (pattern, set(top) ^ set(headers))
            differing = {name for name in top if top[name] != headers[name]}
            assert differing == {"Content-Security-Policy"}, differing
            theirs = csp_directives(headers["Content-Security-Policy"])
            ours = csp_directives(top["Content-Security-Policy"])
            assert set(theirs.pop("script-src")) == {*ours.pop("script-src"), "'wasm-unsafe-eval'"}
            assert theirs == ours


def test_policy_allows_only_self_and_the_comment_server():
    csp = csp_directives(site_headers()["Content-Security-Policy"])
    assert csp["default-src"] in (["'none'"], ["'self'"])
    for directive in ("script-src", "style-src", "connect-src", "img-src"):
        sources = csp.get(directive, csp["default-src"])
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(
            sources
        ), f"{directive} {sources}"
        allowed = {"'self'", "'none'", COMMENTS_ORIGIN}
        allowed |= {AUDIENCE_ORIGIN} if directive in COUNTING_DIRECTIVES else set()
        assert set(sources) <= allowed, f"{directive} {sources}"
    assert csp.get("frame-ancestors") == ["'none'"]
    assert "object-src" not in csp or csp["object-src"] == ["'none'"]


def test_policy_names_the_comment_server_publishconf_uses():
    require(bool(COMMENTS_ORIGIN), "publishconf.py has no COMMENTS_URL")
    csp = csp_directives(site_headers()["Content-Security-Policy"])
    assert COMMENTS_ORIGIN in csp["script-src"]
    assert COMMENTS_ORIGIN in csp["connect-src"]


def test_policy_lets_pages_count_views_on_the_audience_server_and_no_more():
    require(bool(AUDIENCE_ORIGIN), "publishconf.py has no AUDIENCE_URL")
    csp = csp_directives(site_headers()["Content-Security-Policy"])
    for directive in COUNTING_DIRECTIVES:
        assert AUDIENCE_ORIGIN in csp[directive], directive
    assert AUDIENCE_ORIGIN not in csp["script-src"]


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway key and certificate, so `nginx -t` can load the TLS server blocks."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nginx-test.invalid")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


@pytest.mark.server
def test_nginx_accepts_the_config(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    require(nginx is not None, "nginx is not installed (apt-get install nginx)")
    key, cert = _self_signed_certificate(tmp_path)
    site = NGINX_CONF.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {key};", site)
    site = re.sub(r"ssl_certificate\s+[^;]+;", f"ssl_certificate {cert};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# -- the HTML works under that policy -----------------------------------------------

SUBRESOURCES = {
    "script": ["src"],
    "link": ["href"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "iframe": ["src"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "object": ["data"],
    "embed": ["src"],
}
FETCHED_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}


def inline_code_problems(html: str, site_origins: set[str]) -> list[str]:
    """Inline scripts, styles, handlers and third-party subresources in one page."""
    page = BeautifulSoup(html, "html.parser")
    problems = []
    for element in page.find_all(True):
        for name in element.attrs:
            if name.lower() == "style":
                problems.append(f"style attribute on <{element.name}>")
            elif name.lower().startswith("on"):
                problems.append(f"{name} handler on <{element.name}>")
    problems += [f"<style> element: {s.get_text()[:60]!r}" for s in page.find_all("style")]
    for script in page.find_all("script"):
        kind = (script.get("type") or "").strip().lower()
        if not script.get("src") and kind != "application/ld+json":
            problems.append(f"inline <script>: {script.get_text()[:60]!r}")
    for tag, attributes in SUBRESOURCES.items():
        for element in page.find_all(tag):
            if tag == "link" and not FETCHED_LINK_RELS & set(element.get("rel") or []):
                continue  # canonical, alternate, me: links, not fetched by the page
            for attribute in attributes:
                for value in re.split(r",\s+", element.get(attribute) or ""):
                    url = value.strip().split(" ")[0]
                    if url and urlsplit(url).scheme in ("http", "https", ""):
                        absolute = urljoin("https://relative.invalid/", url)
                        if origin(absolute) not in site_origins | {"https://relative.invalid"}:
                            problems.append(f"<{tag} {attribute}> from another host: {url}")
    return problems


@pytest.mark.parametrize("fixture", ["demo_site", "published_site"])
def test_no_inline_code_and_nothing_from_other_hosts(request, fixture):
    site = request.getfixturevalue(fixture)
    settings = (
        PUBLISHED if fixture == "published_site" else read_settings(str(ROOT / "pelicanconf.py"))
    )
    origins = {origin(u) for u in (settings["SITEURL"], settings["SITE_ORIGIN"]) if "://" in u}
    # the comment server's client is the one script allowed from elsewhere
    origins |= {origin(settings["COMMENTS_URL"])} if settings.get("COMMENTS_URL") else set()
    # the audience server's counting image (<noscript>), the one image from elsewhere
    origins |= {origin(settings["AUDIENCE_URL"])} if settings.get("AUDIENCE_URL") else set()
    found = []
    for path in html_files(site.output):
        for problem in inline_code_problems(path.read_text(encoding="utf-8"), origins):
            found.append(f"{path.relative_to(site.output)}: {problem}")
    assert not found, "\n".join(found)


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} ${event.sample || ''}`);
});
"""


class CspWatch:
    """One browser context: CSP violations, console errors and outside requests."""

    def __init__(self, browser, site_url: str, isso_url: str, audience_url="", **context_options):
        self.site_url = site_url
        self.isso_url = isso_url
        self.audience_url = audience_url
        self.outside: list[str] = []
        self.counted: list[str] = []
        self.console: list[str] = []
        self.context = browser.new_context(**context_options)
        self.context.add_init_script(CSP_LISTENER)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def assert_clean(self) -> None:
        """No policy violation, no console error, no request to another host."""
        assert self.violations() == [], self.violations()
        assert self.console == [], self.console
        assert self.outside == [], self.outside

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.site_url + "/"):
            route.continue_()
        elif COMMENTS_ORIGIN and url.startswith(COMMENTS_ORIGIN + "/"):
            # the production comment server, answered by the local Isso: no network
            local = self.isso_url + url[len(COMMENTS_ORIGIN) :]
            route.fulfill(response=route.fetch(url=local))
        elif AUDIENCE_ORIGIN and url.startswith(AUDIENCE_ORIGIN + "/"):
            # the production audience server's counting: the policy let it through (the
            # browser checks before it sends); test_counting_works_under_the_policy
            # answers with a real server, the other tests with its "counted" answer
            self.counted.append(url)
            if self.audience_url:
                local = self.audience_url + url[len(AUDIENCE_ORIGIN) :]
                route.fulfill(response=route.fetch(url=local))
            else:
                route.fulfill(status=204)
        else:
            self.outside.append(url)
            route.abort()

    def _on_console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def policy_site(tmp_path_factory):
    """The production build, origin set to loopback, served with the nginx headers, plus
    the production comment server config running locally behind the real origin."""
    require_comments_origin()
    folder = tmp_path_factory.mktemp("csp")
    port = free_port()
    site_origin = f"http://127.0.0.1:{port}"
    site = build(
        folder,
        settings="publishconf.py",
        SITEURL=site_origin,
        SITE_ORIGIN=site_origin,
        FEED_DOMAIN=site_origin,
    )
    assert site.report.ok, site.report.problems + site.report.errors
    with (
        single_process_isso(
            folder / "isso", site_origin, overrides={"server": {"public-endpoint": COMMENTS_ORIGIN}}
        ) as isso,
        serve_like_nginx(site.output, port=port) as base,
    ):
        yield site, base, isso


def require_comments_origin() -> None:
    require(bool(COMMENTS_ORIGIN), "publishconf.py has no COMMENTS_URL")


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
def test_every_page_keeps_the_policy(browser, policy_site):
    site, base, isso = policy_site
    watch = CspWatch(browser, base, isso.url)
    try:
        seen = {}
        paths = [p.relative_to(site.output).as_posix() for p in html_files(site.output)]
        for relative in [*paths, "no-such-page/"]:
            response = watch.page.goto(base + url_path(relative), wait_until="load")
            assert response is not None
            assert response.headers.get("content-security-policy"), relative
            problems = watch.violations() + watch.console
            if relative == "no-such-page/":  # the 404 status itself is logged
                problems = [p for p in problems if "status of 404" not in p]
            if problems:
                seen[relative] = list(problems)
            watch.console.clear()
        assert len(paths) > 20
        assert not seen, json.dumps(seen, indent=1)
        assert not watch.outside, watch.outside
    finally:
        watch.close()


@pytest.mark.browser
@pytest.mark.server
def test_the_policy_is_enforced(browser, policy_site):
    """Canary: an inline script is refused and reported, so silence above means something."""
    _site, base, isso = policy_site
    watch = CspWatch(browser, base, isso.url)
    try:
        watch.page.goto(base + "/", wait_until="load")
        with pytest.raises(PlaywrightError, match="Content Security Policy"):
            watch.page.add_script_tag(content="window.__ran = true;")
        watch.page.wait_for_function("window.__cspViolations.length > 0")
        assert watch.page.evaluate("window.__ran === undefined")
        assert any("script-src" in v for v in watch.violations())
    finally:
        watch.close()


SEARCH_PAGE = "/search/?q=counter"


def search_and_wait(watch: CspWatch, base: str) -> str:
    """The search page with a query: the status once Pagefind has answered."""
    watch.page.goto(base + SEARCH_PAGE, wait_until="load")
    status = watch.page.locator("[data-search-status]")
    watch.page.wait_for_function(
        "() => document.querySelector('[data-search-status]').textContent.trim()"
    )
    return status.inner_text()


@pytest.mark.browser
@pytest.mark.server
def test_search_works_under_its_own_policy(browser, policy_site):
    _site, base, isso = policy_site
    watch = CspWatch(browser, base, isso.url)
    try:
        status = search_and_wait(watch, base)
        assert status.startswith("1 result"), status
        assert watch.page.locator(".search-result mark").count() > 0
        csp = watch.page.evaluate(
            "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
        )
        assert "'wasm-unsafe-eval'" in csp
        watch.assert_clean()
    finally:
        watch.close()


@pytest.mark.browser
@pytest.mark.server
def test_the_site_policy_refuses_webassembly(browser, policy_site):
    """Canary: under the policy of every other page, Pagefind cannot run, so the search
    page's own policy is needed (and it is the only one that allows WebAssembly)."""
    _site, base, isso = policy_site
    site_policy = site_headers()["Content-Security-Policy"]
    assert "wasm-unsafe-eval" not in site_policy
    watch = CspWatch(browser, base, isso.url)

    def with_site_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": site_policy}
        route.fulfill(response=response, headers=headers)

    watch.page.route(base + SEARCH_PAGE, with_site_policy)
    try:
        status = search_and_wait(watch, base)
        assert status == "Search could not load.", status
        assert watch.page.locator("[data-search-unavailable]").is_visible()
        assert any("script-src" in v and "wasm" in v.lower() for v in watch.violations()) or any(
            "WebAssembly" in line for line in watch.console
        ), (watch.violations(), watch.console)
    finally:
        watch.close()


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
@pytest.mark.parametrize("javascript", [True, False], ids=["beacon", "noscript-image"])
def test_counting_works_under_the_policy(browser, policy_site, tmp_path, javascript):
    """A reader's view reaches the audience server (production build, nginx headers)."""
    require(bool(AUDIENCE_ORIGIN), "publishconf.py has no AUDIENCE_URL")
    from audience.store import Store
    from sitekit.audience.server import running_audience

    site, base, isso = policy_site
    port = free_port()
    env = {
        "AUDIENCE_DB": str(tmp_path / "audience.db"),
        "AUDIENCE_SITE_URL": base + "/",
        "AUDIENCE_PUBLIC_URL": AUDIENCE_ORIGIN,
        "AUDIENCE_SITE_ROOT": str(site.output),
        "AUDIENCE_STATS_FLUSH_SECONDS": "0.1",
        "PATH": "/usr/bin:/bin",
    }
    agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
    with running_audience(host="127.0.0.1", port=port, env=env, workers=1) as audience:
        watch = CspWatch(
            browser,
            base,
            isso.url,
            audience_url=audience.url,
            user_agent=agent,
            java_script_enabled=javascript,
        )
        try:
            watch.page.goto(base + "/about/", wait_until="load")
            store = Store(audience.database)
            deadline = time.monotonic() + 15
            while store.views_by_path().get("/about/") != 1:
                assert time.monotonic() < deadline, "the view was not counted"
                watch.page.wait_for_timeout(50)  # Playwright answers the routed beacon meanwhile
            store.close()
            assert watch.counted, "nothing was sent to the audience server"
            assert watch.violations() == [], watch.violations()
            assert watch.console == [], watch.console
            assert watch.outside == [], watch.outside
        finally:
            watch.close()


def open_live_comments(watch: CspWatch, base: str) -> None:
    """The post with the live widget loaded: its form shown and its thread fetched."""
    watch.page.goto(base + url_path(POST_WITH_COMMENTS), wait_until="load")
    watch.page.locator("#isso-thread").scroll_into_view_if_needed()
    watch.page.locator("#isso-thread .isso-postbox textarea").wait_for(state="visible")
    # Isso fills the thread heading ("2 Comments") once the thread has been fetched.
    watch.page.wait_for_function(
        "() => (document.querySelector('#isso-thread .isso-thread-heading')"
        " || {}).textContent?.trim()"
    )


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
def test_live_comment_widget_works_under_the_policy(browser, policy_site):
    site, base, isso = policy_site
    require((site.output / POST_WITH_COMMENTS).is_file(), f"no {POST_WITH_COMMENTS}")
    watch = CspWatch(browser, base, isso.url, viewport={"width": 900, "height": 700})
    try:
        open_live_comments(watch, base)
        postbox = watch.page.locator("#isso-thread .isso-postbox")
        postbox.locator("textarea").fill("Checking the comment form under the real policy.")
        postbox.locator("#isso-postbox-author").fill("Policy Reader")
        with watch.page.expect_response(lambda r: "/new?" in r.url) as posted:
            postbox.locator("input[type=submit]").click()
        assert posted.value.status in (201, 202), posted.value.status
        watch.page.locator("#isso-root .isso-comment", has_text="Policy Reader").wait_for()
        watch.assert_clean()
    finally:
        watch.close()


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_live_comment_widget_is_accessible(browser, policy_site, scheme):
    site, base, isso = policy_site
    require((site.output / POST_WITH_COMMENTS).is_file(), f"no {POST_WITH_COMMENTS}")
    axe = node_tool("axe-core/axe.min.js").read_text(encoding="utf-8")
    watch = CspWatch(browser, base, isso.url, color_scheme=scheme, bypass_csp=True)
    try:
        open_live_comments(watch, base)
        watch.page.add_script_tag(content=axe)
        results = watch.page.evaluate("axe.run('#comments', {resultTypes: ['violations']})")
    finally:
        watch.close()
    from tests.quality.test_accessibility import format_violations

    assert not results["violations"], format_violations(results["violations"])


# -- reader text: control characters -------------------------------------------------


def test_control_characters_in_reader_text_never_reach_page_or_feed():
    """Isso stores whatever a reader pastes; XML feeds cannot carry control characters."""
    sanitize = import_or_require("plugins.comments.sanitize")
    dirty = "Hi\x00 there\x08\x0b\x0c\x1b[31m<b>bold</b>\x7f\ufffe"
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", sanitize.comment_html(dirty))
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", sanitize.plain_text(dirty))
    assert "<b>bold</b>" not in sanitize.plain_text(dirty)


# -- secrets -------------------------------------------------------------------------


def _fake(*parts: str) -> str:
    """Assembled at run time so the scanner never sees a secret in this file."""
    return "".join(parts)


@pytest.mark.parametrize(
    "path, text, kind",
    [
        ("notes.md", _fake("-----BEGIN RSA ", "PRIVATE KEY-----"), "private key"),
        ("notes.md", _fake("-----BEGIN OPENSSH ", "PRIVATE KEY-----"), "private key"),
        ("deploy.sh", _fake("export KEY=AKIA", "Q" * 16), "AWS access key id"),
        ("x.py", _fake("token = 'ghp_", "a" * 36, "'"), "GitHub token"),
        ("isso.cfg", _fake("password = ", "hunter2-but-longer"), "literal value for 'password'"),
        (".env", _fake("SMTP_PASSWORD=", "s3cr3t-value"), "literal value for 'SMTP_PASSWORD'"),
        ("config.yaml", _fake("api_key: ", "'abcd1234efgh'"), "literal value for 'api_key'"),
    ],
)
def test_secret_scanner_finds(path, text, kind):
    assert [f.kind for f in scan_text(text, path)] == [kind]


@pytest.mark.parametrize(
    "path, text",
    [
        ("isso.cfg", "password = $ISSO_ADMIN_PASSWORD"),
        ("isso.env.example", "SMTP_PASSWORD=change-me"),
        ("tests/conftest.py", "aws_secret_access_key = 'testing'"),
        ("settings.py", "SECRET = os.environ.get('SECRET')"),
        ("notes.md", "password = hunter2-in-prose-is-not-config"),
        ("isso.cfg", "# password = an-example-in-a-comment"),
        ("isso.cfg", "password ="),
    ],
)
def test_secret_scanner_allows(path, text):
    assert scan_text(text, path) == []


def test_repository_holds_no_secrets():
    require(shutil.which("git") is not None and (ROOT / ".git").exists(), "not a git checkout")
    findings: list[Finding] = scan_repository(ROOT)
    assert not findings, "possible secrets:\n" + "\n".join(map(str, findings))
