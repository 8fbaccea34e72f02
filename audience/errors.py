"""Every way the audience server says no: one type per kind, each with its HTTP status.

The app renders any of them once, as a page or as JSON; nothing else reaches a reader.
"""

from __future__ import annotations


class Refusal(Exception):
    """A request the server will not carry out, with words for the reader."""

    status = 400
    code = "bad_request"
    title = "That didn't work"

    def __init__(self, message: str, *, back: str | None = None):
        super().__init__(message)
        self.message = message
        self.back = back  # where "go back" should lead (a page of the site), if known


class InvalidInput(Refusal):
    status = 400
    code = "invalid_input"
    title = "Please check the form"


class LinkUnknown(Refusal):
    status = 404
    code = "link_unknown"
    title = "This link doesn't work"


class LinkExpired(Refusal):
    status = 410
    code = "link_expired"
    title = "This link has expired"


class PageNotFound(Refusal):
    status = 404
    code = "not_found"
    title = "Page not found"


class MethodNotAllowed(Refusal):
    status = 405
    code = "method_not_allowed"
    title = "Not like that"


class BodyTooLarge(Refusal):
    status = 413
    code = "body_too_large"
    title = "That was too much"


class TooManySignups(Refusal):
    status = 429
    code = "too_many_signups"
    title = "Too many sign-ups"


class MailUnavailable(Refusal):
    status = 503
    code = "mail_unavailable"
    title = "We couldn't send the email"
