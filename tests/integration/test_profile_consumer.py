"""Registration -> Kafka -> user_profile_consumer -> S3 + MySQL, observed through the public API."""

from __future__ import annotations

import requests

from gophertok import keys
from gophertok.adapters.mysql import Database
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import profiles, users
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke
from support.douyin import DouyinClient
from support.polling import unique_name, wait_for


def _profile_ready(client: DouyinClient, account) -> dict | None:
    user = client.call("GET", "/douyin/user/", params={"token": account.token})["user"]
    return user if user["avatar"] and user["background_image"] and user["signature"] else None


def test_registration_gets_a_generated_avatar_served_over_http(api_url):
    client = DouyinClient(api_url)
    account = client.register()
    user = wait_for(lambda: _profile_ready(client, account), timeout=30, what="the default profile")
    for url in (user["avatar"], user["background_image"]):
        response = requests.get(url, timeout=10)
        assert response.status_code == 200, url
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert user["avatar"] != user["background_image"]


def test_replaying_the_registration_event_twice_leaves_one_avatar_and_one_row(api_url, database, s3):
    client = DouyinClient(api_url)
    account = client.register()
    first = wait_for(lambda: _profile_ready(client, account), timeout=30, what="the default profile")

    event = Event("user.registered", {"user_id": account.user_id, "username": account.username})
    payload = kafka_event(
        [kafka_record(Topics.USER_REGISTERED, 0, 10**9, event.to_json(), str(account.user_id).encode())]
    )
    invoke("user_profile_consumer", payload)
    invoke("user_profile_consumer", payload)

    rows = database.query(
        "SELECT id, avatar, background_image, signature FROM users WHERE username = %s", (account.username,)
    )
    assert len(rows) == 1
    objects = s3.list_objects_v2(Bucket="gophertok-media", Prefix=f"avatars/{account.user_id}.")["Contents"]
    assert [o["Key"] for o in objects] == [f"avatars/{account.user_id}.png"]
    again = client.call("GET", "/douyin/user/", params={"token": account.token})["user"]
    assert again == first


def test_a_profile_read_that_races_the_consumer_never_puts_the_old_profile_back(database, redis_client, monkeypatch):
    name = unique_name()
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (name,))
    redis_client.delete(keys.user_profile(user_id))
    real_query = Database.query

    def consumer_runs_between_read_and_fill(self, sql, args=None):
        rows = real_query(self, sql, args)
        if "FROM users" in sql:
            monkeypatch.setattr(Database, "query", real_query)  # once
            profiles.create_default_profiles([Event("user.registered", {"user_id": user_id, "username": name})])
        return rows

    monkeypatch.setattr(Database, "query", consumer_runs_between_read_and_fill)
    stale = users.load_profiles([user_id])[user_id]  # read before the consumer changed the row
    assert stale.avatar_key == ""
    # The reader's late fill did not overwrite what the consumer cached: the next read has the avatar
    assert users.load_profiles([user_id])[user_id].avatar_key.startswith("avatars/")
