"""Sign-up to welcome mail through the real server and a real SMTP server."""

from __future__ import annotations

import re

import pytest

from tests.audience.conftest import new_address, new_network

pytestmark = pytest.mark.server
CHECK_INBOX = "http://127.0.0.1:8000/subscribe/check-your-inbox/"


def state_of(store, address: str) -> str | None:
    subscriber = store.subscriber_by_email(address)
    return subscriber.state if subscriber else None


def test_sign_up_confirm_by_button_then_welcome(client, smtp, server_store):
    address = new_address()
    answer = client.subscribe(address, category="engineering", mode="remote", source="/openings/")
    assert answer.status == 303
    assert answer.header("Location") == CHECK_INBOX
    [confirmation] = smtp.handler.wait_for_mail(address)
    assert confirmation.subject == "Confirm your subscription to Maren Okafor"
    assert state_of(server_store, address) == "unconfirmed"

    # Opening the link (as a mail scanner would) shows a button and changes nothing.
    link = client.absolute(confirmation.link("confirm"))
    page = client.get(link)
    assert page.status == 200
    assert re.search(r'<form method="post" action="/confirm/[\w-]{43}">', page.body)
    assert "Confirm subscription" in page.text and "Engineering · Remote" in page.text
    assert client.get(link).status == 200
    assert state_of(server_store, address) == "unconfirmed"
    assert len(smtp.handler.to(address)) == 1

    confirmed = client.post(link)
    assert confirmed.status == 200
    assert "You're subscribed" in confirmed.text
    assert "welcome email" in confirmed.text
    subscriber = server_store.subscriber_by_email(address)
    assert subscriber.state == "confirmed"
    assert subscriber.topics == {"posts", "roles"}
    assert [f.as_dict() for f in subscriber.filters] == [
        {"category": "engineering", "mode": "remote"}
    ]
    assert subscriber.source == "/openings/"
    [_, welcome] = smtp.handler.wait_for_mail(address, 2)
    assert welcome.subject == "Welcome: you're subscribed to Maren Okafor"
    assert "Engineering · Remote" in welcome.text

    # Pressing again is harmless: same page, no second welcome.
    again = client.post(link)
    assert again.status == 200 and "You're subscribed" in again.text
    assert len(smtp.handler.to(address)) == 2


def test_every_sign_up_answers_the_same_whoever_the_address_is(client, smtp):
    pending, confirmed = new_address(), new_address()
    client.subscribe(pending)
    client.subscribe(confirmed)
    [mail] = smtp.handler.wait_for_mail(confirmed)
    client.post(client.absolute(mail.link("confirm")))

    answers = [client.subscribe(a) for a in (new_address(), pending, confirmed)]
    assert {(a.status, a.header("Location"), a.body) for a in answers} == {
        (answers[0].status, CHECK_INBOX, answers[0].body)
    }
    assert all(a.status == 303 for a in answers)
    shapes = [sorted(k.lower() for k in a.headers if k.lower() != "date") for a in answers]
    assert shapes[0] == shapes[1] == shapes[2]


def test_a_sign_up_for_a_confirmed_address_changes_nothing_and_sends_links(
    client, smtp, server_store
):
    address = new_address()
    client.subscribe(address, topics=["posts"])
    [mail] = smtp.handler.wait_for_mail(address)
    client.post(client.absolute(mail.link("confirm")))
    before = server_store.subscriber_by_email(address)

    # A stranger signs the address up for roles: nothing changes, the owner is told.
    assert client.subscribe(address, topics=["roles"], category="sales").status == 303
    *_, notice = smtp.handler.wait_for_mail(address, 3)
    assert notice.subject == "You're already subscribed to Maren Okafor"
    assert "Nothing has changed" in notice.text
    assert server_store.subscriber_by_email(address).preferences == before.preferences

    # The owner may add it: the link shows a button, and only the button adds.
    add_link = client.absolute(notice.link("confirm"))
    page = client.get(add_link)
    assert "already subscribed" in page.text and "Sales" in page.text
    assert server_store.subscriber_by_email(address).preferences == before.preferences
    assert "Added to your subscription" in client.post(add_link).text
    after = server_store.subscriber_by_email(address)
    assert after.topics == {"posts", "roles"}
    assert [f.as_dict() for f in after.filters] == [{"category": "sales"}]
    # Pressing the button again changes nothing more.
    assert client.post(add_link).status == 200
    assert server_store.subscriber_by_email(address).preferences == after.preferences

    # Signing up for what they already get sends links only, no "add" link.
    client.subscribe(address, topics=["posts"])
    *_, plain = smtp.handler.wait_for_mail(address, 4)
    assert "/confirm/" not in plain.text and "/preferences/" in plain.text


def test_the_honeypot_answers_as_usual_but_keeps_and_sends_nothing(client, smtp, server_store):
    address = new_address("bot")
    answer = client.subscribe(address, website="https://spam.example")
    assert answer.status == 303 and answer.header("Location") == CHECK_INBOX
    assert server_store.subscriber_by_email(address) is None
    # A real sign-up after it is delivered, so the bot's mail would have come first.
    other = new_address()
    client.subscribe(other)
    smtp.handler.wait_for_mail(other)
    assert smtp.handler.to(address) == []


@pytest.mark.parametrize(
    "address, why",
    [
        ("victim@example.com\r\nBcc: everyone@example.org", "line break"),
        ("victim@example.com\nSubject: hi", "line break"),
        ("a@example.com\x00", "invisible character"),
        ("tab\t@example.com", "invisible character"),
        ("zero\u200bwidth@example.com", "invisible character"),
        ("x" * 10_000 + "@example.com", "too long"),
        ("not an address", "doesn't look like an email address"),
        ("", "enter your email address"),
        ("ünicode@example.com", "doesn't look like an email address"),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_page(client, smtp, server_store, address, why):
    answer = client.subscribe(address)
    assert answer.status == 400
    assert "Please check the form" in answer.text and why in answer.text
    assert "Traceback" not in answer.text
    assert answer.header("Content-Type").startswith("text/html")
    held = [s.email for s in server_store.all_subscribers()]
    assert not any(e == address or "everyone" in e or "\n" in e for e in held)
    assert not any("everyone@example.org" in r for m in smtp.handler.messages for r in m.recipients)


def test_refusals_are_json_when_asked_for(client):
    answer = client.subscribe("a@b\r\nX: y", headers={"Accept": "application/json"})
    assert answer.status == 400
    assert answer.header("Content-Type") == "application/json"
    assert '"error":"invalid_input"' in answer.text.replace(" ", "")


def test_an_idn_address_is_accepted_and_mailed_in_its_ascii_form(client, smtp, server_store):
    label = new_address("idn").split("@")[0]
    typed = f"{label}@BÜCHER.example"
    assert client.subscribe(typed).status == 303
    stored = server_store.subscriber_by_email(f"{label}@bücher.example")
    assert stored is not None and stored.email == f"{label}@bücher.example"
    [mail] = smtp.handler.wait_for_mail(f"{label}@xn--bcher-kva.example")
    assert mail.recipients == [f"{label}@xn--bcher-kva.example"]
    assert str(mail.message["To"]) == f"{label}@xn--bcher-kva.example"
    page = client.get(client.absolute(mail.link("confirm")))
    assert f"{label}@bücher.example" in page.text


def test_sign_up_fields_are_checked(client, server_store):
    address = new_address()
    cases = [
        ({"topics": ["jobs"]}, "Unknown topic"),
        ({"topics": []}, "choose what you'd like"),
        ({"category": "<script>"}, "short code"),
        ({"location": "GB; DROP TABLE"}, "short code"),
        ({"mode": "x" * 60}, "short code"),
        ({"source": "https://evil.example/"}, "not a path of this site"),
        ({"source": "//evil.example/"}, "not a path of this site"),
        ({"frequency": "hourly"}, "Unknown frequency"),
    ]
    for fields, why in cases:
        fields = {"topics": ["posts"], **fields}
        answer = client.post("/subscribe", {"email": address, **fields})
        assert answer.status == 400, fields
        assert why in answer.text, (fields, answer.body)
    assert server_store.subscriber_by_email(address) is None
    # A job alert without a topic is a wish for roles.
    assert client.post("/subscribe", {"email": address, "category": "engineering"}).status == 303
    assert server_store.subscriber_by_email(address).topics == {"roles"}


def test_at_most_three_confirmation_mails_a_day_per_address(client, smtp):
    address = new_address()
    answers = [client.subscribe(address) for _ in range(5)]
    assert [a.status for a in answers] == [303] * 5
    assert {a.body for a in answers} == {answers[0].body}
    # A later sign-up of another address is delivered, so any extra mail would be too.
    other = new_address()
    client.subscribe(other)
    smtp.handler.wait_for_mail(other)
    assert len(smtp.handler.to(address)) == 3


def test_sign_ups_per_network_are_limited(client, smtp):
    network = new_network().rsplit(".", 1)[0]
    answers = [client.subscribe(new_address(), network=f"{network}.{n}") for n in range(1, 8)]
    assert [a.status for a in answers] == [303] * 5 + [429] * 2
    assert "Too many sign-ups" in answers[-1].text
    assert client.subscribe(new_address(), network=new_network()).status == 303
    # IPv6: counted per /48.
    v6 = [client.subscribe(new_address(), network=f"2001:db8:77::{n}") for n in range(1, 7)]
    assert [a.status for a in v6] == [303] * 5 + [429]
    assert client.subscribe(new_address(), network="2001:db8:78::1").status == 303


def test_a_body_over_16_kb_gets_a_413_page(client, server_store):
    answer = client.post("/subscribe", raw=b"email=a%40example.com&topics=posts&x=" + b"y" * 20_000)
    assert answer.status == 413
    assert "That was too much" in answer.text and "Traceback" not in answer.text
    as_json = client.post(
        "/subscribe", raw=b"x=" + b"y" * 20_000, headers={"Accept": "application/json"}
    )
    assert as_json.status == 413 and "body_too_large" in as_json.text
    assert server_store.subscriber_by_email("a@example.com") is None


def test_refusals_for_wrong_methods_paths_and_links(client):
    assert client.get("/subscribe").status == 405
    assert "Not like that" in client.get("/subscribe").text
    assert client.get("/nothing-here").status == 404
    for path in ("/confirm/", "/preferences/", "/unsubscribe/"):
        for token in ("x" * 43, "short", "a" * 500, "%00%0d%0a"):
            for method in (client.get, client.post):
                answer = method(path + token)
                assert answer.status == 404, (method, path, token)
                assert "This link doesn't work" in answer.text
    assert client.get("/health").body.replace(" ", "").strip() == '{"ok":true}'


def test_every_answer_has_security_headers_and_no_cookie(client, smtp):
    address = new_address()
    answers = [client.subscribe(address)]
    [mail] = smtp.handler.wait_for_mail(address)
    link = client.absolute(mail.link("confirm"))
    answers += [client.get(link), client.post(link), client.get("/health")]
    answers += [client.get("/static/audience.css"), client.get("/nope"), client.get("/subscribe")]
    for answer in answers:
        csp = answer.header("Content-Security-Policy")
        assert csp == (
            "default-src 'none'; style-src 'self'; form-action 'self' http://127.0.0.1:8000; "
            "base-uri 'none'; frame-ancestors 'none'"
        )
        assert answer.header("X-Content-Type-Options") == "nosniff"
        assert answer.header("Referrer-Policy") == "no-referrer"
        assert answer.header("Set-Cookie") is None
    assert answers[4].status == 200 and "prefers-color-scheme" in answers[4].text
    # No inline script or style on any page (the CSP would block them).
    for answer in answers[1:3]:
        assert "<script" not in answer.body and "style=" not in answer.body
        assert "<style" not in answer.body
