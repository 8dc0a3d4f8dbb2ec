"""A video's comment list rebuilt from MySQL while comment events were still on their way there (after a Redis
flush or an eviction) is healed by the consumer once it persists them: acknowledged comments come back, deleted ones
go, and a comment whose deletion is already known never comes back (issue 13: after FLUSHALL x5 under load, 7 of 80
acknowledged comments stayed missing from the list)."""

from __future__ import annotations

import json

import pytest

from gophertok import ids, keys
from gophertok.services import comments
from gophertok.services.comments import CommentRow
from support.douyin import DouyinClient
from support.interactions import comment_list, make_video

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _row(video_id: int, user_id: int, text: str) -> CommentRow:
    comment_id = ids.next_id()
    return CommentRow(comment_id, video_id, user_id, text, ids.timestamp_ms(comment_id))


def _rebuilt_list(redis_client, video_id: int) -> None:
    """The list is lost and rebuilt from MySQL (as a read after a flush does)."""
    redis_client.delete(keys.video_comments(video_id))
    comments.ensure_video_comments(video_id)


def _listed(client, video_id: int) -> list[str]:
    return [c["content"] for c in comment_list(client, video_id)]


def test_a_comment_persisted_after_its_list_was_rebuilt_is_listed(client, database, redis_client):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    in_flight = _row(video_id, fan.user_id, "acknowledged, not yet in MySQL")
    _rebuilt_list(redis_client, video_id)
    comments.persist_comment_events([in_flight.event()])
    assert _listed(client, video_id) == ["acknowledged, not yet in MySQL"]
    comments.persist_comment_events([in_flight.event()])  # a replay changes nothing
    assert _listed(client, video_id) == ["acknowledged, not yet in MySQL"]


def test_a_deletion_persisted_after_the_list_was_rebuilt_removes_the_comment(client, database, redis_client):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    kept, gone = _row(video_id, fan.user_id, "kept"), _row(video_id, fan.user_id, "gone")
    comments.persist_comment_events([kept.event(), gone.event()])
    _rebuilt_list(redis_client, video_id)  # MySQL still shows both
    redis_client.delete(keys.comment(gone.id))  # the row cache went with the flush as well
    comments.persist_comment_events([gone._replace(deleted_at=gone.created_at + 1).event()])
    assert _listed(client, video_id) == ["kept"]
    assert redis_client.zscore(keys.video_comments(video_id), str(gone.id)) is None


def test_a_comment_whose_deletion_is_known_does_not_come_back(client, database, redis_client):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    tombstoned, deleting = _row(video_id, fan.user_id, "deleted first"), _row(video_id, fan.user_id, "deleting")
    comments.persist_comment_events([tombstoned._replace(deleted_at=tombstoned.created_at + 1).event()])
    # The delete of the other is applied in Redis (its cached row says so) and still on its way to MySQL
    redis_client.set(
        keys.comment(deleting.id), json.dumps(deleting._replace(deleted_at=deleting.created_at)._asdict()), ex=3600
    )
    _rebuilt_list(redis_client, video_id)
    comments.persist_comment_events([tombstoned.event(), deleting.event()])
    members = redis_client.zrange(keys.video_comments(video_id), 0, -1)
    assert str(tombstoned.id) not in members and str(deleting.id) not in members
