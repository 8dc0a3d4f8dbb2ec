"""Video rows and the Video objects every list embeds (feed, publish list, favorite list).

A video row never changes after publish, so its cache entry is only refreshed by expiry; a missing
entry is read back from MySQL. ``video_objects`` assembles any number of videos with a fixed number of
round trips: rows, counters, the viewer's likes, and the authors as full Users.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from gophertok import jsontext, keys
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import Pipeline, get_redis, mget
from gophertok.adapters.storage import media_base_url
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


def cache_rows(rows: Iterable[VideoRow], pipe: Pipeline | None = None) -> None:
    """Write rows to the cache (into ``pipe`` when given, so callers can batch with other writes)."""
    own = pipe is None
    pipe = pipe if pipe is not None else get_redis().pipeline(transaction=False)
    for row in rows:
        pipe.set(keys.video(row.id), orjson.dumps(asdict(row)), ex=keys.CACHE_TTL_SECONDS)
    if own:
        pipe.execute()


def load_videos(video_ids: Iterable[int]) -> dict[int, VideoRow]:
    """Rows by id (missing videos are absent): one MGET, plus one ``IN`` query for cache misses."""
    distinct = list(dict.fromkeys(map(int, video_ids)))
    return {video_id: VideoRow(**fields) for video_id, fields in _video_fields(distinct).items()}


def _video_fields(ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each found video's VideoRow fields as a dict (what the cache holds), for distinct ``ids``: lists read
    hundreds of them and need no VideoRow objects."""
    if not ids:
        return {}
    cached = jsontext.loads_many(mget(get_redis(), [keys.video(i) for i in ids]))
    found = {video_id: fields for video_id, fields in zip(ids, cached, strict=True) if fields}
    if len(found) < len(ids):
        missing = [i for i in ids if i not in found]
        rows = [
            row_from_db(row)
            for row in get_database().query(
                f"SELECT {_COLUMNS} FROM videos WHERE id IN ({placeholders(len(missing))})", missing
            )
        ]
        cache_rows(rows)
        found.update((row.id, asdict(row)) for row in rows)
    return found


def require_video(video_id: int) -> VideoRow:
    row = load_videos([video_id]).get(video_id)
    if row is None:
        raise NotFound("video not found")
    return row


def video_objects(
    video_ids: Iterable[int], viewer_id: int | None, liked_by_viewer: bool = False
) -> list[dict[str, Any]]:
    """Video JSON objects in the order of ``video_ids`` (unknown ids are skipped).

    ``is_favorite`` and the authors' ``is_follow`` are relative to ``viewer_id``. ``liked_by_viewer``: the ids are a
    page of the viewer's own likes, so each is_favorite is true with no look-up.
    """
    ids = list(dict.fromkeys(map(int, video_ids)))
    rows = _video_fields(ids)
    present = [i for i in ids if i in rows]
    stats = read_model.load_video_stats(present)
    liked = set(present) if liked_by_viewer else read_model.liked_flags(viewer_id, present)
    authors = users.user_objects({rows[i]["author_id"] for i in present}, viewer_id)
    media = media_base_url()
    objects = []
    for video_id in present:
        row, counts = rows[video_id], stats[video_id]
        author = authors.get(row["author_id"])
        if author is None:
            continue
        play, cover = row["play_key"], row["cover_key"]
        objects.append(
            {
                "id": video_id,
                "author": author,
                "play_url": f"{media}/{play}" if play else "",
                "cover_url": f"{media}/{cover}" if cover else "",
                "favorite_count": counts.favorite_count,
                "comment_count": counts.comment_count,
                "is_favorite": video_id in liked,
                "title": row["title"],
            }
        )
    return objects
