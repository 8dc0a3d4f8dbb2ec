"""Publishing videos over HTTP: validation, content-addressed media, covers, the consumer and replays."""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

import pytest
import requests
from urllib3 import encode_multipart_formdata

from gophertok import ids, keys
from gophertok.config import get_settings
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import videos
from gophertok_local.events import http_event, kafka_event, kafka_record
from gophertok_local.functions import invoke
from support.clips import clip
from support.douyin import DouyinClient
from support.polling import wait_for

BUCKET = "gophertok-media"
PUBLISH = "/douyin/publish/action/"


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def unique_clip(container: str = "mp4") -> bytes:
    """A clip no other test (or earlier run) uploaded, so its objects are this test's alone."""
    return clip(f"color=c=0x{random.randrange(1 << 24):06x}", 1.0, container)


def publish(client: DouyinClient, token: str, data: bytes | None, title: str | None = "a title", name="clip.mp4"):
    fields: dict[str, tuple[Any, ...]] = {"token": (None, token)}
    if title is not None:
        fields["title"] = (None, title)
    if data is not None:
        fields["data"] = (name, data, "video/mp4")
    return client.call("POST", PUBLISH, files=fields)


def publish_list(client: DouyinClient, token: str, user_id: int) -> list[dict]:
    body = client.call("GET", "/douyin/publish/list/", params={"token": token, "user_id": user_id})
    assert body["status_code"] == 0, body
    return body["video_list"]


def stored_keys(s3, sha256: str) -> list[str]:
    keys = []
    for prefix in (f"videos/{sha256}", f"covers/{sha256}"):
        keys += [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    return keys


def test_publish_stores_video_and_cover_and_shows_it_on_the_next_request(client, s3):
    account = client.register()
    data = unique_clip()
    sha256 = hashlib.sha256(data).hexdigest()

    body = publish(client, account.token, data, title="  My first clip 🎬 ")
    assert body["status_code"] == 0 and body["_http_status"] == 200, body

    videos = publish_list(client, account.token, account.user_id)
    assert len(videos) == 1
    video = videos[0]
    assert video["title"] == "  My first clip 🎬 "
    assert video["author"]["id"] == account.user_id and video["author"]["work_count"] == 1
    assert video["favorite_count"] == 0 and video["comment_count"] == 0 and video["is_favorite"] is False
    assert sorted(stored_keys(s3, sha256)) == [f"covers/{sha256}.jpg", f"videos/{sha256}.mp4"]

    played = requests.get(video["play_url"], timeout=10)
    assert played.status_code == 200 and played.content == data
    cover = requests.get(video["cover_url"], timeout=10)
    assert cover.status_code == 200
    assert cover.content.startswith(b"\xff\xd8") and cover.content.rstrip(b"\0").endswith(b"\xff\xd9")

    feed = client.call("GET", "/douyin/feed/", params={"token": account.token})
    assert video["id"] in [v["id"] for v in feed["video_list"]]
    user = client.call("GET", "/douyin/user/", params={"token": account.token})["user"]
    assert user["work_count"] == 1


def test_publish_accepts_webm(client):
    account = client.register()
    body = publish(client, account.token, unique_clip("webm"), name="clip.webm")
    assert body["status_code"] == 0, body
    [video] = publish_list(client, account.token, account.user_id)
    assert video["play_url"].endswith(".webm")


def test_sensitive_words_in_the_title_are_masked_and_the_rest_kept(client):
    account = client.register()
    assert publish(client, account.token, clip(), title="Fuck this <b>bug</b>!")["status_code"] == 0
    [video] = publish_list(client, account.token, account.user_id)
    assert video["title"] == "**** this <b>bug</b>!"


def test_same_file_twice_is_stored_once_as_two_videos(client, s3):
    account = client.register()
    data = unique_clip()
    sha256 = hashlib.sha256(data).hexdigest()
    assert publish(client, account.token, data, title="one")["status_code"] == 0
    assert publish(client, account.token, data, title="two")["status_code"] == 0

    videos = publish_list(client, account.token, account.user_id)
    assert [v["title"] for v in videos] == ["two", "one"]  # newest first
    assert videos[0]["id"] != videos[1]["id"]
    assert videos[0]["play_url"] == videos[1]["play_url"]
    assert sorted(stored_keys(s3, sha256)) == [f"covers/{sha256}.jpg", f"videos/{sha256}.mp4"]
    assert videos[0]["author"]["work_count"] == 2


def _garbage_in_mp4_boxes() -> bytes:
    """Valid-looking ISO boxes (so the signature check passes) around bytes no decoder understands."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    noise = random.randbytes(2000)
    return box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"moov", noise) + box(b"mdat", noise)


REJECTIONS = {
    "no-file": (lambda: None, 10001, "data is required"),
    "empty-file": (lambda: b"", 10001, "empty"),
    "text-renamed-mp4": (
        lambda: b"just some notes, not a video %d\n" % random.randrange(10**9) * 20,
        10003,
        "not a video",
    ),
    "truncated-mp4": (lambda: unique_clip()[: len(unique_clip()) // 2], 10003, "truncated"),
    "undecodable-mp4": (_garbage_in_mp4_boxes, 10003, "could not be read"),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
def test_bad_uploads_are_rejected_with_a_clear_message_and_leave_nothing(client, database, s3, case):
    make, status_code, fragment = REJECTIONS[case]
    account = client.register()
    data = make()

    body = publish(client, account.token, data)

    assert body["status_code"] == status_code and body["_http_status"] == 200, body
    assert fragment in body["status_msg"]
    assert publish_list(client, account.token, account.user_id) == []
    assert database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,)) == []
    if data:
        assert stored_keys(s3, hashlib.sha256(data).hexdigest()) == []


@pytest.mark.parametrize(
    ("title", "status_code", "fragment"),
    [(None, 10001, "title is required"), ("   ", 10001, "title is required"), ("x" * 101, 10001, "at most 100")],
)
def test_bad_titles_are_rejected_and_leave_nothing(client, database, s3, title, status_code, fragment):
    account = client.register()
    data = unique_clip()
    body = publish(client, account.token, data, title=title)
    assert body["status_code"] == status_code and fragment in body["status_msg"], body
    assert publish_list(client, account.token, account.user_id) == []
    assert database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,)) == []
    assert stored_keys(s3, hashlib.sha256(data).hexdigest()) == []


@pytest.mark.parametrize(("token", "status_code"), [("not-a-token", 20002), ("", 20001)])
def test_publish_without_a_valid_token_is_an_auth_error(client, s3, token, status_code):
    data = unique_clip()
    body = publish(client, token, data)
    assert body["status_code"] == status_code, body
    assert stored_keys(s3, hashlib.sha256(data).hexdigest()) == []


@pytest.fixture
def small_upload_limit(monkeypatch):
    monkeypatch.setenv("MAX_VIDEO_BYTES", "1024")
    get_settings.cache_clear()
    yield 1024
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_upload_over_the_configured_limit_is_too_large(client, database, s3, small_upload_limit):
    account = client.register()
    data = unique_clip()
    assert len(data) > small_upload_limit
    body, content_type = encode_multipart_formdata(
        {"token": account.token, "title": "big", "data": ("big.mp4", data, "video/mp4")}
    )
    response = invoke("video_publish", http_event("POST", PUBLISH, headers={"Content-Type": content_type}, body=body))

    answer = requests.models.complexjson.loads(response["body"])
    assert answer["status_code"] == 10002 and "1024 bytes" in answer["status_msg"], answer
    assert database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,)) == []
    assert stored_keys(s3, hashlib.sha256(data).hexdigest()) == []


def test_publish_list_of_an_unknown_user_is_not_found(client):
    account = client.register()
    body = client.call("GET", "/douyin/publish/list/", params={"token": account.token, "user_id": 9_000_000_000})
    assert body["status_code"] == 30001


def test_publish_list_needs_a_token(client):
    body = client.call("GET", "/douyin/publish/list/", params={"user_id": 1})
    assert body["status_code"] == 20001


def test_consumer_persists_the_row_and_replaying_the_event_twice_changes_nothing(client, database):
    account = client.register()
    data = unique_clip()
    assert publish(client, account.token, data, title="durable")["status_code"] == 0
    [video] = publish_list(client, account.token, account.user_id)

    row = wait_for(
        lambda: database.query_one("SELECT * FROM videos WHERE id = %s", (video["id"],)),
        timeout=30,
        what="the consumer to persist the video",
    )
    assert row["author_id"] == account.user_id and row["title"] == "durable"
    assert row["content_sha256"] == hashlib.sha256(data).hexdigest()

    event = Event(
        "video.published",
        {k: row[k] for k in ("id", "author_id", "title", "play_key", "cover_key", "content_sha256", "created_at")},
    )
    record = kafka_record(Topics.VIDEO_PUBLISHED, 0, 10**9, event.to_json(), str(video["id"]).encode())
    invoke("video_published_consumer", kafka_event([record]))
    invoke("video_published_consumer", kafka_event([record, record]))

    assert len(database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,))) == 1
    [again] = publish_list(client, account.token, account.user_id)
    # The author's profile images may arrive meanwhile (their own consumer); the video itself must not change.
    assert {k: v for k, v in again.items() if k != "author"} == {k: v for k, v in video.items() if k != "author"}
    assert again["author"]["work_count"] == 1


def test_after_redis_loses_the_read_model_lists_and_feed_are_rebuilt_from_mysql(client, database, redis_client):
    account = client.register()
    for title in ("older", "newer"):
        assert publish(client, account.token, unique_clip(), title=title)["status_code"] == 0
    before = publish_list(client, account.token, account.user_id)
    wait_for(
        lambda: len(database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,))) == 2,
        timeout=30,
        what="the consumer to persist both videos",
    )
    newest = database.query_one("SELECT MAX(created_at) AS t FROM videos WHERE author_id = %s", (account.user_id,))["t"]

    # Given Redis lost everything this user's lists are made of (the feed index included)
    redis_client.delete(
        keys.user_videos(account.user_id),
        keys.user_stats(account.user_id),
        keys.VIDEO_FEED,
        *[keys.video(v["id"]) for v in before],
    )

    # Then the next requests answer the same from MySQL
    after = publish_list(client, account.token, account.user_id)
    assert [v["id"] for v in after] == [v["id"] for v in before]
    assert [v["title"] for v in after] == ["newer", "older"]
    assert after[0]["author"]["work_count"] == 2
    feed = client.call("GET", "/douyin/feed/", params={"latest_time": newest + 1})
    mine = [v["id"] for v in feed["video_list"] if v["author"]["id"] == account.user_id]
    assert mine == [v["id"] for v in before]


@pytest.fixture
def broker_refuses(monkeypatch):
    """A real producer whose every record fails, not a mock: the address it sends to has no broker, and it gives up
    on a record after a second."""
    import dataclasses

    from gophertok.adapters import kafka

    settings = dataclasses.replace(get_settings(), kafka_bootstrap_servers="127.0.0.1:9", kafka_timeout=1.0)
    producer = kafka.make_producer(settings)
    monkeypatch.setattr(kafka, "_producer", producer)
    yield
    monkeypatch.undo()
    producer.close()


def test_when_the_event_cannot_be_sent_the_publish_is_unavailable_and_undone(client, database, broker_refuses):
    account = client.register()
    body, content_type = encode_multipart_formdata(
        {"token": account.token, "title": "lost", "data": ("clip.mp4", unique_clip(), "video/mp4")}
    )
    response = invoke("video_publish", http_event("POST", PUBLISH, headers={"Content-Type": content_type}, body=body))

    answer = requests.models.complexjson.loads(response["body"])
    assert answer["status_code"] == 50300 and "retry" in answer["status_msg"], answer
    assert publish_list(client, account.token, account.user_id) == []
    user = client.call("GET", "/douyin/user/", params={"token": account.token})["user"]
    assert user["work_count"] == 0
    assert database.query("SELECT id FROM videos WHERE author_id = %s", (account.user_id,)) == []


def test_the_consumer_persists_a_batch_with_a_fixed_number_of_sql_statements(client, database):
    from gophertok.adapters.mysql import get_database

    authors = [client.register().user_id for _ in range(4)]
    base_id, now = random.randrange(10**15, 10**16), 1_700_000_000_000 + random.randrange(10**9)
    events = [
        Event(
            "video.published",
            {
                "id": base_id + n,
                "author_id": authors[n % 4],
                "title": f"batch {n}",
                "play_key": "videos/none.mp4",
                "cover_key": "covers/none.jpg",
                "content_sha256": "0" * 64,
                "created_at": now + n,
            },
        )
        for n in range(20)
    ]
    records = [kafka_record(Topics.VIDEO_PUBLISHED, 0, 10**9 + n, e.to_json()) for n, e in enumerate(events)]
    statements = get_database().statements

    invoke("video_published_consumer", kafka_event(records))

    # The batched INSERT, one rebuild of the authors' lists, and at most a feed rebuild: not one per video.
    assert get_database().statements - statements <= 3
    rows = database.query(
        f"SELECT author_id, COUNT(*) AS n FROM videos WHERE id BETWEEN {base_id} AND {base_id + 19} GROUP BY author_id"
    )
    assert sorted((row["author_id"], row["n"]) for row in rows) == sorted((a, 5) for a in authors)
    for author_id in authors:
        listed = client.call(
            "GET", "/douyin/publish/list/", params={"token": client.register().token, "user_id": author_id}
        )
        assert len(listed["video_list"]) == 5


def test_a_video_is_dated_by_its_own_id_never_ahead_of_the_clock(client):
    # No shared clock key hands out one millisecond per video (that capped publishes at 1,000/s and, above it,
    # dated videos in the future, out of the feed): a video's created_at is the millisecond its id was made in.
    account = client.register()
    assert publish(client, account.token, unique_clip(), title="dated")["status_code"] == 0
    answered_at = int(time.time() * 1000)
    [video] = publish_list(client, account.token, account.user_id)
    row = videos.load_videos([video["id"]])[video["id"]]
    assert row.created_at == ids.timestamp_ms(video["id"]) <= answered_at
