"""Video rows and the Video objects every list embeds (feed, publish list, favorite list).

A video row never changes after publish, so its cache entry is only refreshed by expiry; a missing
entry is read back from MySQL. ``video_list`` assembles any number of videos with a fixed number of
round trips: rows, counters, the viewer's likes, and the authors as full Users, rendered straight to JSON text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from gophertok import jsontext, keys, rendering
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import Pipeline, get_redis, mget
from gophertok.errors import NotFound
from gophertok.services import read_model, users


@dataclass(frozen=True)
class VideoRow:
    id: int
    author_id: int
    title: str
    play_key: str
    cover_key: str
    created_at: int  # unix ms


_COLUMNS = "id, author_id, title, play_key, cover_key, created_at"


def row_from_db(row: dict[str, Any]) -> VideoRow:
    return VideoRow(
        int(row["id"]), int(row["author_id"]), row["title"], row["play_key"], row["cover_key"], int(row["created_at"])
    )


def _entry(row: VideoRow) -> bytes:
    """A row's cache entry."""
    return orjson.dumps(asdict(row))


def cache_rows(rows: Iterable[VideoRow], pipe: Pipeline | None = None) -> None:
    """Write rows to the cache (into ``pipe`` when given, so callers can batch with other writes)."""
    own = pipe is None
    pipe = pipe if pipe is not None else get_redis().pipeline(transaction=False)
    for row in rows:
        pipe.set(keys.video(row.id), _entry(row), ex=keys.CACHE_TTL_SECONDS)
    if own:
        pipe.execute()


def load_videos(video_ids: Iterable[int]) -> dict[int, VideoRow]:
    """Rows by id (missing videos are absent): one MGET, plus one ``IN`` query for cache misses."""
    entries = _entries(list(dict.fromkeys(map(int, video_ids))))
    return {
        video_id: VideoRow(**fields)
        for video_id, fields in zip(entries, jsontext.loads_many(list(entries.values())), strict=True)
    }


def _entries(ids: list[int]) -> dict[int, str]:
    """Each found video's cache entry (JSON text of its VideoRow), for distinct ``ids``: what MySQL holds for
    the ones the cache misses, which are cached again."""
    if not ids:
        return {}
    cached = mget(get_redis(), [keys.video(i) for i in ids])
    found = {video_id: text for video_id, text in zip(ids, cached, strict=True) if text}
    if len(found) < len(ids):
        missing = [i for i in ids if i not in found]
        rows = [
            row_from_db(row)
            for row in get_database().query(
                f"SELECT {_COLUMNS} FROM videos WHERE id IN ({placeholders(len(missing))})", missing
            )
        ]
        cache_rows(rows)
        found.update((row.id, _entry(row).decode()) for row in rows)
    return found


def require_video(video_id: int) -> VideoRow:
    row = load_videos([video_id]).get(video_id)
    if row is None:
        raise NotFound("video not found")
    return row


def _fixed_members(entry: str, media: str) -> tuple[int, bytes]:
    """A cache entry's author id, and the members of its Video object that never change (a row never changes after
    publish) as JSON text left open: the members that vary follow."""
    fields = orjson.loads(entry)
    members = {
        "id": fields["id"],
        "play_url": rendering.media_url(media, fields["play_key"]),
        "cover_url": rendering.media_url(media, fields["cover_key"]),
        "title": fields["title"],
    }
    return fields["author_id"], rendering.open_object(members)


_rendered = rendering.FixedMembers[str, str, tuple[int, bytes]](key=lambda entry: entry, render=_fixed_members)

# A Video object: its fixed members, then the author and the members that change.
_VIDEO = b'%b,"author":%b,"favorite_count":%d,"comment_count":%d,"is_favorite":%b}'


def video_list(video_ids: Iterable[int], viewer_id: int | None, liked_by_viewer: bool = False) -> jsontext.Rendered:
    """Video JSON objects in the order of ``video_ids`` (unknown ids are skipped).

    ``is_favorite`` and the authors' ``is_follow`` are relative to ``viewer_id``. ``liked_by_viewer``: the ids are a
    page of the viewer's own likes, so each is_favorite is true with no look-up.
    """
    ids = list(dict.fromkeys(map(int, video_ids)))
    entries = _entries(ids)
    present = [i for i in ids if i in entries]
    fixed = _rendered.of([entries[i] for i in present])
    stats = read_model.load_video_stats(present)
    liked = set(present) if liked_by_viewer else read_model.liked_flags(viewer_id, present)
    authors = users.user_texts({author_id for author_id, _ in fixed}, viewer_id)
    objects = []
    for video_id, (author_id, members) in zip(present, fixed, strict=True):
        author = authors.get(author_id)
        if author is not None:
            counts = stats[video_id]
            liked_flag = b"true" if video_id in liked else b"false"
            objects.append(_VIDEO % (members, author, counts.favorite_count, counts.comment_count, liked_flag))
    return jsontext.Rendered(objects)
