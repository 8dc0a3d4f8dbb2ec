"""Consumer side of ``video.published``: make the row durable in MySQL and re-assert the indexes.

Idempotent by the video id (the primary key): a replayed event inserts nothing and re-adds index
entries with the same score, which changes nothing. The author's work_count was counted when the
video was published, so it is not touched here.
"""

from __future__ import annotations

from collections.abc import Iterable

from gophertok import logs
from gophertok.adapters.mysql import get_database
from gophertok.adapters.redis_client import get_redis
from gophertok.events import Event
from gophertok.services import id_collisions, video_index
from gophertok.services.publishing import VIDEO_PUBLISHED, Published
from gophertok.services.videos import VideoRow, cache_rows

log = logs.get_logger("gophertok.video_persistence")

_COLUMNS = ("author_id", "title", "play_key", "cover_key", "content_sha256", "created_at")
_INSERT = (
    "INSERT INTO videos (id, author_id, title, play_key, cover_key, content_sha256, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE id = id"
)


def published_from_event(event: Event) -> Published:
    """Parse a ``video.published`` event; ValueError/KeyError/TypeError for a malformed one."""
    data = event.data
    row = VideoRow(
        id=int(data["id"]),
        author_id=int(data["author_id"]),
        title=str(data["title"]),
        play_key=str(data["play_key"]),
        cover_key=str(data["cover_key"]),
        created_at=int(data["created_at"]),
    )
    return Published(row, str(data["content_sha256"]))


def persist_published_videos(events: Iterable[Event]) -> int:
    """Store every video announced in ``events`` (one batched INSERT) and index it; returns how many."""
    videos = {}
    for event in events:
        if event.type == VIDEO_PUBLISHED:
            published = published_from_event(event)
            videos[published.row.id] = published
    if not videos:
        return 0
    persist(list(videos.values()))
    log.info("videos persisted", extra={"videos": len(videos)})
    return len(videos)


def persist(videos: list[Published]) -> None:
    """Write the rows (existing ids are left alone), then put them back into the Redis read model; an id that
    holds a different video raises IdCollision once the others are stored."""
    candidates = [
        (p.row.id, p.row.author_id, p.row.title, p.row.play_key, p.row.cover_key, p.content_sha256, p.row.created_at)
        for p in videos
    ]
    values, clashes = id_collisions.split_collisions("videos", _COLUMNS, candidates)
    get_database().execute_many(_INSERT, values)
    rows: list[VideoRow] = [p.row for p in videos if p.row.id not in clashes]
    video_index.ensure_indexes({row.author_id for row in rows})
    pipe = get_redis().pipeline(transaction=False)
    cache_rows(rows, pipe)
    video_index.add_videos([(row.id, row.author_id, row.created_at) for row in rows], pipe)
    pipe.execute()
    video_index.trim_feed()
    id_collisions.raise_for("videos", clashes)
