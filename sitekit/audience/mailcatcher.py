"""A development mail catcher: an SMTP server on 127.0.0.1:1025 that keeps every message.

Each message is saved as it arrived, as ``var/mail/<time>-<n>.eml``, and a small page
on http://127.0.0.1:8025/ lists them (date, to, subject) and shows each one: the
headers, the plain text part, and the HTML part in a sandboxed frame (no scripts, no
remote images, links open in a new tab), so the author reads what subscribers get.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import html
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from aiosmtpd.controller import Controller

from sitekit.comments.server import port_in_use

ROOT = Path(__file__).resolve().parent.parent.parent
MAIL_DIR = ROOT / "var" / "mail"
SMTP_HOST, SMTP_PORT, WEB_PORT = "127.0.0.1", 1025, 8025
_NAME = re.compile(r"[0-9A-Za-z._-]+\.eml")
_URL = re.compile(r"https?://[^\s<>\"']+")
_SHOWN_HEADERS = (
    "Date",
    "From",
    "To",
    "Subject",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Message-ID",
)
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; frame-src 'self'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The HTML part: inline styles only (as in mail), no scripts, no remote images.
MESSAGE_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 64rem; padding: 1rem;
  color-scheme: light dark; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8884;
  vertical-align: top; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #8881; padding: 1rem; }
iframe { width: 100%; height: 70vh; border: 1px solid #8886; background: #fff; }
.muted { opacity: .75; }
"""


@dataclass(frozen=True)
class CaughtMessage:
    name: str
    path: Path
    date: str
    to: str
    subject: str


class SaveToFolder:
    """aiosmtpd handler: write each message, exactly as received, to its own file."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        target = self.folder / f"{stamp}-{next(self._numbers):04d}.eml"
        partial = target.with_suffix(".partial")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.replace(target)
        return "250 Message accepted for delivery"


def caught_messages(folder: Path = MAIL_DIR) -> list[CaughtMessage]:
    """Every caught message, newest first."""
    found = []
    for path in sorted(Path(folder).glob("*.eml"), reverse=True):
        message = _parse(path)
        found.append(
            CaughtMessage(
                name=path.name,
                path=path,
                date=str(message.get("Date", "")),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
            )
        )
    return found


def _parse(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=default_policy)


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return None if body is None else body.get_content()


class CatcherPages(BaseHTTPRequestHandler):
    """``/`` the list, ``/m/NAME`` one message, ``/m/NAME/html`` its HTML part alone."""

    folder: Path = MAIL_DIR
    server_version = "mail-catcher"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            return self._send(self._list_page())
        if path == "/style.css":
            return self._send(STYLE, "text/css; charset=utf-8")
        parts = path.strip("/").split("/")
        if len(parts) in (2, 3) and parts[0] == "m" and _NAME.fullmatch(parts[1]):
            file = self.folder / parts[1]
            if file.is_file():
                message = _parse(file)
                if len(parts) == 2:
                    return self._send(self._message_page(parts[1], message))
                if parts[2] == "html":
                    return self._send_html_part(message)
                if parts[2] == "raw":
                    return self._send(
                        file.read_text("utf-8", "replace"), "text/plain; charset=utf-8"
                    )
        return self._send(
            _page("Not found", "<p>No such message.</p>"), status=HTTPStatus.NOT_FOUND
        )

    def _list_page(self) -> str:
        rows = "".join(
            f'<tr><td>{_e(m.date)}</td><td>{_e(m.to)}</td><td><a href="/m/{quote(m.name)}">'
            f"{_e(m.subject) or '(no subject)'}</a></td></tr>"
            for m in caught_messages(self.folder)
        )
        table = (
            f"<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if rows
            else "<p>No mail yet. Sign up on the site and it will show up here.</p>"
        )
        intro = f'<p class="muted">Saved in {_e(str(self.folder))}. Newest first.</p>'
        return _page("Caught mail", intro + table)

    def _message_page(self, name: str, message: EmailMessage) -> str:
        headers = "".join(
            f"<tr><th>{_e(header)}</th><td>{_e(str(message[header]))}</td></tr>"
            for header in _SHOWN_HEADERS
            if message[header] is not None
        )
        text = _part(message, "plain")
        html_part = _part(message, "html")
        body = [f'<p><a href="/">All messages</a> · <a href="/m/{quote(name)}/raw">Raw</a></p>']
        body.append(f"<table>{headers}</table>")
        if html_part is not None:
            body.append("<h2>HTML part</h2>")
            body.append(
                f'<iframe src="/m/{quote(name)}/html" title="The HTML part of the message" '
                'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>'
            )
        if text is not None:
            body.append(f"<h2>Text part</h2><pre>{_linkify(text)}</pre>")
        return _page(str(message.get("Subject", "(no subject)")), "".join(body))

    def _send_html_part(self, message: EmailMessage) -> None:
        content = _part(message, "html")
        if content is None:
            return self._send(_page("Not found", "<p>No HTML part.</p>"), status=404)
        # Links open in a new tab, outside the sandbox (they lead to the audience server).
        content = re.sub(r"(<head[^>]*>)", r'\1<base target="_blank">', content, count=1)
        return self._send(content, csp=MESSAGE_CSP)

    def _send(
        self,
        body: str,
        content_type: str = "text/html; charset=utf-8",
        status: int = HTTPStatus.OK,
        csp: str = PAGE_CSP,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _linkify(text: str) -> str:
    escaped = _e(text)
    return _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank">{m.group(0)}</a>', escaped)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)} · mail catcher</title><link rel="stylesheet" href="/style.css">'
        f"</head><body><h1>{_e(title)}</h1>{body}</body></html>"
    )


class MailCatcher:
    """The SMTP server and the web page, both on loopback, both in this process."""

    def __init__(
        self,
        folder: Path = MAIL_DIR,
        smtp_port: int = SMTP_PORT,
        web_port: int = WEB_PORT,
        host: str = SMTP_HOST,
    ):
        self.folder = Path(folder)
        self.host, self.smtp_port, self.web_port = host, smtp_port, web_port
        self._controller: Controller | None = None
        self._web: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    def start(self) -> MailCatcher:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            SaveToFolder(self.folder), hostname=self.host, port=self.smtp_port
        )
        self._controller.start()
        handler = type("Pages", (CatcherPages,), {"folder": self.folder})
        try:
            self._web = ThreadingHTTPServer((self.host, self.web_port), handler)
        except OSError:
            self._controller.stop()
            raise
        self._web.daemon_threads = True
        self.web_port = self._web.server_address[1]
        self._thread = threading.Thread(
            target=self._web.serve_forever, name="mail-catcher-web", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._web is not None:
            self._web.shutdown()
            self._web.server_close()
            self._thread.join(timeout=5)
            self._web = None
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def mail_catcher_alongside(
    folder: Path = MAIL_DIR, smtp_port: int = SMTP_PORT, web_port: int = WEB_PORT
) -> Iterator[MailCatcher | None]:
    """For `invoke serve`: catch the dev mail unless something already listens on the port."""
    if port_in_use(f"smtp://{SMTP_HOST}:{smtp_port}"):
        print(f"Mail: {SMTP_HOST}:{smtp_port} is in use (a catcher already running?)", flush=True)
        yield None
        return
    try:
        catcher = MailCatcher(folder, smtp_port, web_port).start()
    except OSError as error:
        print(f"Mail: catcher not started: {error}", flush=True)
        yield None
        return
    print(
        f"Mail: caught at {SMTP_HOST}:{smtp_port}, read it on {catcher.web_url}/ "
        f"(files in {folder})",
        flush=True,
    )
    try:
        yield catcher
    finally:
        catcher.stop()
        print("Mail: stopped the mail catcher", flush=True)
