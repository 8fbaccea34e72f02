"""The audience server's web app: the whole URL map, and how every answer is dressed.

Readers reach it from the site's sign-up forms and from links in our mails. It sets
no cookies (a link's token is the key), sends strict security headers with every
answer, and says no with a clear page (or JSON for ``Accept: application/json``) with
the right 4xx status: never a traceback.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from audience import errors
from audience.config import AudienceConfig
from audience.mail import Mailer
from audience.model import FREQUENCIES, TOPIC_LABELS, TOPICS, utc_now
from audience.stats import PIXEL, Reader, Stats, parse_beacon, pixel_beacon
from audience.store import Store
from audience.subscriptions import Subscriptions, filter_id, parse_signup

HERE = Path(__file__).resolve().parent
CHECK_YOUR_INBOX = "subscribe/check-your-inbox/"  # a page of the site, built by the site
log = logging.getLogger("audience")

# method, rule, view, what it does
URL_MAP = (
    ("POST", "/subscribe", "subscribe",
     "sign up (form); always 303 to the site's check-your-inbox page"),
    ("GET", "/confirm/<token>", "confirm_page",
     "what the link confirms, with a button; a GET changes nothing"),
    ("POST", "/confirm/<token>", "confirm",
     "confirm (once; again changes nothing); the welcome mail, once"),
    ("GET", "/preferences/<token>", "preferences_page",
     "topics, job alerts, frequency; unsubscribe button"),
    ("POST", "/preferences/<token>", "save_preferences",
     "save, then 303 back to the page"),
    ("GET", "/unsubscribe/<token>", "unsubscribe_page",
     "a button that unsubscribes; a GET changes nothing"),
    ("POST", "/unsubscribe/<token>", "unsubscribe",
     "unsubscribe from everything (RFC 8058 one-click): 200, no redirect"),
    ("POST", "/count", "count",
     "one page view or apply click (sendBeacon, text/plain JSON {p, r, q, e}): 204"),
    ("GET", "/count.gif", "count_pixel",
     "one page view from a reader without JavaScript (?p=<path>): a 1x1 GIF"),
    ("GET", "/views", "views",
     '{"views": {"/posts/<slug>/": N, ...}}: what the build shows as "Views: N"'),
    ("GET", "/health", "health", '{"ok": true}'),
)  # fmt: skip
# Static files (the pages' one stylesheet) are served under /static/.


def create_app(
    config: AudienceConfig,
    *,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime.datetime] = utc_now,
    network_secret: bytes | None = None,
) -> Flask:
    """The app, with its database migrated and expired sign-ups purged.

    ``network_secret`` keys the per-network counters; by default a random key that only
    this process (and, under ``gunicorn --preload``, its workers) knows.
    """
    store = Store(config.database)
    store.migrate()
    store.purge(clock(), config.pending_days)
    store.purge_stats(clock().date() - datetime.timedelta(days=config.stats_days))
    store.close()  # under --preload the workers open their own connections
    if mailer is None:
        mailer = Mailer(config, retries=1, retry_delay=0.5)
    service = Subscriptions(
        store,
        mailer,
        config,
        network_secret=network_secret or secrets.token_bytes(32),
        clock=clock,
    )
    app = Flask(
        "audience",
        root_path=str(HERE),
        static_folder="static",
        template_folder="templates",
    )
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=config.max_body_bytes,
        MAX_FORM_PARTS=100,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if config.proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_count)
    stats = Stats(
        Store(config.database),
        site_hosts=config.site_hosts,
        site_root=config.stats_site_root,
        flush_seconds=config.stats_flush_seconds,
        retention_days=config.stats_days,
        visitor_slots=config.stats_visitor_slots,
        clock=clock,
    )
    views = Views(service, config, stats)
    for method, rule, name, _ in URL_MAP:
        app.add_url_rule(rule, endpoint=name, view_func=getattr(views, name), methods=[method])
    app.register_error_handler(errors.Refusal, views.refusal)
    app.register_error_handler(HTTPException, views.http_error)
    app.register_error_handler(Exception, views.server_error)
    app.after_request(views.security_headers)
    app.context_processor(views.page_context)
    app.extensions["audience"] = service
    app.extensions["audience_stats"] = stats
    return app


class Views:
    """One method per entry of URL_MAP, plus the answers every view shares."""

    def __init__(self, service: Subscriptions, config: AudienceConfig, stats: Stats):
        self.service = service
        self.config = config
        self.stats = stats
        self.csp = (
            "default-src 'none'; style-src 'self'; "
            f"form-action 'self' {config.site_origin}; "
            "base-uri 'none'; frame-ancestors 'none'"
        )

    # -- sign-up -----------------------------------------------------------------------

    def subscribe(self) -> Response:
        signup = parse_signup(request.form)
        self.service.sign_up(signup, request.remote_addr)
        return redirect(self.config.site_link(CHECK_YOUR_INBOX), code=303)

    # -- confirmation -------------------------------------------------------------------

    def confirm_page(self, token: str) -> str:
        pending = self.service.confirmation_request(token)
        return render_template("confirm.html", token=token, pending=pending)

    def confirm(self, token: str) -> str:
        result = self.service.confirm(token)
        return render_template(
            "confirmed.html",
            result=result,
            preferences_url=url_for("preferences_page", token=result.manage_token),
        )

    # -- preferences and unsubscribe -----------------------------------------------------

    def preferences_page(self, token: str) -> str:
        subscriber = self.service.manage(token)
        return self._preferences(token, subscriber, saved=request.args.get("saved") == "1")

    def save_preferences(self, token: str) -> Response | tuple[str, int]:
        try:
            self.service.save_preferences(token, request.form)
        except errors.InvalidInput as refusal:
            subscriber = self.service.manage(token)
            return self._preferences(token, subscriber, error=refusal.message), refusal.status
        return redirect(url_for("preferences_page", token=token, saved="1"), code=303)

    def _preferences(self, token, subscriber, *, saved=False, error=None) -> str:
        return render_template(
            "preferences.html",
            token=token,
            subscriber=subscriber,
            alerts=[(filter_id(alert), alert) for alert in subscriber.filters],
            topics=[(topic, TOPIC_LABELS[topic]) for topic in TOPICS],
            frequencies=FREQUENCIES,
            saved=saved,
            error=error,
        )

    def unsubscribe_page(self, token: str) -> str:
        subscriber = self.service.manage(token)
        return render_template("unsubscribe.html", token=token, subscriber=subscriber)

    def unsubscribe(self, token: str) -> str:
        subscriber = self.service.unsubscribe(token)
        return render_template("unsubscribed.html", token=token, subscriber=subscriber)

    # -- reading stats ---------------------------------------------------------------------

    def count(self) -> tuple[str, int]:
        if (request.content_length or 0) > 2048:
            raise errors.BodyTooLarge("A count is a few hundred bytes.")
        self.stats.count(parse_beacon(request.get_data(cache=False)), _reader())
        return "", 204

    def count_pixel(self) -> Response:
        self.stats.count(pixel_beacon(request.args), _reader())
        return Response(PIXEL, mimetype="image/gif")

    def views(self) -> Response:
        return jsonify(views=self.stats.views_by_path())

    def health(self) -> Response:
        return jsonify(ok=True)

    # -- what every answer shares -------------------------------------------------------

    def page_context(self) -> dict:
        return {"site_name": self.config.site_name, "site_url": self.config.site_url}

    def security_headers(self, response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = self.csp
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        # The site's pages, on another origin, send the beacon and show the counting image
        # (no-cors: they cannot read either answer); same-origin would be an error there.
        shared = request.endpoint in ("count", "count_pixel")
        headers["Cross-Origin-Resource-Policy"] = "cross-origin" if shared else "same-origin"
        if request.endpoint != "static":
            # Pages hold a subscriber's key in their address: keep them out of caches.
            headers["Cache-Control"] = "no-store"
        headers.pop("Set-Cookie", None)
        return response

    def refusal(self, refusal: errors.Refusal) -> tuple[Response | str, int]:
        if _wants_json():
            body = {"error": refusal.code, "message": refusal.message}
            return jsonify(body), refusal.status
        back = self.config.site_link(refusal.back) if refusal.back else None
        return render_template("error.html", refusal=refusal, back=back), refusal.status

    def http_error(self, error: HTTPException) -> tuple[Response | str, int]:
        kinds = {
            400: (errors.InvalidInput, "The request could not be read."),
            404: (errors.PageNotFound, "There is no page at this address."),
            405: (
                errors.MethodNotAllowed,
                "This address only answers the sign-up form and the buttons on our pages.",
            ),
            413: (
                errors.BodyTooLarge,
                "The form sent more than this server accepts. Please use the form on the "
                "site, with just your email address.",
            ),
        }
        kind, message = kinds.get(error.code or 400, (errors.Refusal, error.description))
        refusal = kind(message)
        if kind is errors.Refusal:
            refusal.status = error.code or 400
        return self.refusal(refusal)

    def server_error(self, error: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        refusal = errors.Refusal("Something went wrong on our side. Please try again later.")
        refusal.status, refusal.code, refusal.title = 500, "server_error", "Sorry"
        return self.refusal(refusal)


def _reader() -> Reader:
    headers = request.headers
    purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')}".lower()
    return Reader(
        address=request.remote_addr or "",
        user_agent=headers.get("User-Agent", "")[:512],
        do_not_track=headers.get("DNT", "").strip() == "1" or headers.get("Sec-GPC", "") == "1",
        prefetch="prefetch" in purpose or "prerender" in purpose,
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )
