"""Preferences and unsubscribe through the real server: the link is the key, GETs are safe."""

from __future__ import annotations

import datetime
import html
import re

import pytest

from audience.app import create_app
from audience.mail import Mailer
from audience.model import utc_now
from tests.audience.conftest import new_address

pytestmark = pytest.mark.server


def subscribed(client, smtp, **fields) -> tuple[str, str]:
    """A confirmed address and the preferences link of its welcome mail."""
    address = new_address()
    client.subscribe(address, **fields)
    [mail] = smtp.handler.wait_for_mail(address)
    client.post(client.absolute(mail.link("confirm")))
    [_, welcome] = smtp.handler.wait_for_mail(address, 2)
    return address, client.absolute(welcome.link("preferences"))


def test_gets_show_pages_and_change_nothing(client, smtp, server_store):
    address, preferences = subscribed(client, smtp, category="engineering")
    unsubscribe = preferences.replace("/preferences/", "/unsubscribe/")
    before = server_store.subscriber_by_email(address)
    for link in (preferences, unsubscribe):
        for _ in range(2):
            page = client.get(link)
            assert page.status == 200
            assert page.header("Cache-Control") == "no-store"
        assert client.get(link, headers={"X-Purpose": "preview"}).status == 200
    head = client.get(unsubscribe)
    assert "Unsubscribe?" in head.text and 'method="post"' in head.body
    assert server_store.subscriber_by_email(address) == before


def test_preferences_change_topics_alerts_and_frequency(client, smtp, server_store):
    address, link = subscribed(client, smtp, category="engineering", mode="remote")
    # add a second alert the way the owner would: through an "add" link
    client.subscribe(address, topics=["roles"], category="sales")
    *_, notice = smtp.handler.wait_for_mail(address, 3)
    client.post(client.absolute(notice.link("confirm")))
    page = client.get(link)
    assert "Engineering · Remote" in page.text and "Sales" in page.text
    ids = [html.unescape(v) for v in re.findall(r'name="remove_alert" value="([^"]+)"', page.body)]
    assert len(ids) == 2

    # Drop posts, remove one alert, go weekly.
    saved = client.post(
        link,
        {"topics": ["roles"], "roles": "matching", "remove_alert": [ids[0]], "frequency": "weekly"},
    )
    assert saved.status == 303
    assert saved.header("Location").endswith("?saved=1")
    subscriber = server_store.subscriber_by_email(address)
    assert subscriber.topics == {"roles"} and subscriber.frequency == "weekly"
    assert len(subscriber.filters) == 1
    shown = client.get(client.absolute(link) + "?saved=1")
    assert "Saved." in shown.text and 'value="weekly" checked' in shown.body

    # "Every new role" clears the alerts.
    client.post(link, {"topics": ["roles", "posts"], "roles": "all", "frequency": "immediately"})
    subscriber = server_store.subscriber_by_email(address)
    assert subscriber.filters == () and subscriber.topics == {"posts", "roles"}
    assert subscriber.frequency == "immediately"
    assert "You get every new role" in client.get(link).text


def test_bad_preference_forms_show_the_page_again_with_the_problem(client, smtp, server_store):
    address, link = subscribed(client, smtp)
    before = server_store.subscriber_by_email(address).preferences
    for fields, why in [
        ({"frequency": "weekly"}, "Please choose at least one"),
        ({"topics": ["spam"]}, "Unknown topic"),
        ({"topics": ["posts"], "frequency": "hourly"}, "Unknown frequency"),
        ({"topics": ["posts"], "roles": "some"}, "Unknown choice of roles"),
    ]:
        answer = client.post(link, fields)
        assert answer.status == 400, fields
        assert why in answer.text and "Your email preferences" in answer.text
    assert server_store.subscriber_by_email(address).preferences == before


def test_one_click_unsubscribe_is_a_post_answered_200_without_redirect(client, smtp, store_of):
    address, link = subscribed(client, smtp)
    unsubscribe = link.replace("/preferences/", "/unsubscribe/")
    answer = client.post(
        unsubscribe,
        raw=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 200 and answer.header("Location") is None
    assert "You're unsubscribed" in answer.text
    assert answer.header("Set-Cookie") is None
    assert store_of(address).state == "unsubscribed"
    again = client.post(unsubscribe, raw=b"List-Unsubscribe=One-Click")
    assert again.status == 200 and store_of(address).state == "unsubscribed"
    # The page still works (it says so and offers to subscribe again)...
    assert "already unsubscribed" in client.get(unsubscribe).text
    # ...and saving preferences from the mailed link subscribes again.
    client.post(link, {"topics": ["posts"], "frequency": "immediately"})
    assert store_of(address).state == "confirmed"


def test_the_unsubscribe_button_on_the_preferences_page(client, smtp, store_of):
    address, link = subscribed(client, smtp)
    page = client.get(link)
    action = re.search(r'<form method="post" action="(/unsubscribe/[\w-]+)"', page.body)
    assert action and "Unsubscribe from everything" in page.text
    assert client.post(action.group(1)).status == 200
    assert store_of(address).state == "unsubscribed"


@pytest.fixture
def store_of(server_store):
    return server_store.subscriber_by_email


def test_links_expire_and_say_so(config, smtp):
    """With the clock moved on: a confirmation link is good for 3 days, then 410."""
    now = [utc_now()]
    app = create_app(config, mailer=Mailer(config), clock=lambda: now[0])
    web = app.test_client()
    address = new_address()
    assert web.post("/subscribe", data={"email": address, "topics": "posts"}).status_code == 303
    [mail] = smtp.handler.wait_for_mail(address)
    path = "/confirm/" + mail.link("confirm").rsplit("/", 1)[1]
    now[0] += datetime.timedelta(days=2, hours=23)
    assert web.get(path).status_code == 200
    now[0] += datetime.timedelta(hours=2)
    expired = web.get(path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.get_data(as_text=True)
    assert web.post(path).status_code == 410
    # After the pending days the sign-up itself is forgotten (purged on startup).
    now[0] += datetime.timedelta(days=1)
    create_app(config, mailer=Mailer(config), clock=lambda: now[0])
    from audience.store import Store

    assert Store(config.database).subscriber_by_email(address) is None
