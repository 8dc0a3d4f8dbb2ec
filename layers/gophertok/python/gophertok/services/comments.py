"""Comments: add, delete (author only), list newest first, and persist them from their events.

The synchronous path writes what the list needs to Redis: the comment row as JSON and its id in the
video's ``video_comments`` ZSET (both rebuilt from MySQL when missing), plus the video's
``comment_count``. Removing the id from the ZSET is the atomic check that lets a delete count once.
The consumer persists ``comment.added`` with an insert that keeps an existing row and
``comment.deleted`` as a tombstone that also creates the row if the add has not arrived yet; it then heals loaded
lists that were rebuilt from MySQL while these events were in flight.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import orjson

from gophertok import ids, jsontext, keys, metrics, paging, ratelimit, rendering
from gophertok.adapters import kafka
from gophertok.adapters.mysql import get_database, placeholders
from gophertok.adapters.redis_client import Pipeline, get_redis, mget
from gophertok.errors import Forbidden, InvalidInput, NotFound
from gophertok.events import Event
from gophertok.moderation import mask, refuse_control_characters
from gophertok.registry import Topics
from gophertok.services import id_collisions, id_sets, read_model, users, videos

ADD, DELETE = 1, 2
COMMENT_ADDED = "comment.added"
COMMENT_DELETED = "comment.deleted"
TEXT_MAX = 500
PAGE_SIZE = 200  # 200 comments of TEXT_MAX four-byte characters and their authors stay under 1 MB
ROW_TTL_SECONDS = 7 * 24 * 3600

_COLUMNS = "id, video_id, user_id, content, created_at, deleted_at"


class CommentRow(NamedTuple):  # a tuple: a list page reads 500 of them
    id: int
    video_id: int
    user_id: int
    content: str
    created_at: int  # unix ms
    deleted_at: int | None = None

    def event(self) -> Event:
        return Event(COMMENT_DELETED if self.deleted_at is not None else COMMENT_ADDED, self._asdict())


def validate_action(action_type: int | None) -> int:
    """``action_type`` if it is 1 (add) or 2 (delete); InvalidInput otherwise."""
    if action_type not in (ADD, DELETE):
        raise InvalidInput("action_type must be 1 (add a comment) or 2 (delete a comment)")
    return action_type


def clean_text(text: str | None) -> str:
    """The comment as it will be shown: masked, otherwise exactly as typed.

    InvalidInput when it is missing, blank or longer than TEXT_MAX characters.
    """
    if text is None or not text.strip():
        raise InvalidInput("comment_text must not be empty")
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"comment_text must be at most {TEXT_MAX} characters")
    return mask(refuse_control_characters(text, "comment_text"))


def create_date(created_at_ms: int) -> str:
    """``MM-DD`` of a unix-ms instant, in UTC."""
    return _day_label(created_at_ms // _DAY_MS)


_DAY_MS = 86_400_000


@functools.lru_cache(maxsize=1024)
def _day_label(day: int) -> str:
    # A list page's 500 comments fall on a few days: formatting each one's date was a tenth of the page.
    return datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%m-%d")


# Storage ---------------------------------------------------------------------------------------


def _row_from_db(row: dict[str, Any]) -> CommentRow:
    deleted_at = row["deleted_at"]
    return CommentRow(
        int(row["id"]),
        int(row["video_id"]),
        int(row["user_id"]),
        row["content"],
        int(row["created_at"]),
        None if deleted_at is None else int(deleted_at),
    )


def _entry(row: CommentRow) -> bytes:
    """A row's cache entry."""
    return orjson.dumps(row._asdict())


def _cache_rows(rows: Iterable[CommentRow], pipe: Pipeline) -> None:
    for row in rows:
        pipe.set(keys.comment(row.id), _entry(row), ex=ROW_TTL_SECONDS)


def load_comments(comment_ids: Iterable[int]) -> dict[int, CommentRow]:
    """Rows by id, deleted ones included (unknown ids are absent): one MGET, one ``IN`` for misses."""
    entries = _entries(list(dict.fromkeys(map(int, comment_ids))))
    return {
        comment_id: CommentRow(**fields)
        for comment_id, fields in zip(entries, jsontext.loads_many(list(entries.values())), strict=True)
    }


def _entries(ids: list[int]) -> dict[int, str]:
    """Each found comment's cache entry (JSON text of its CommentRow, deleted ones included), for distinct ``ids``:
    what MySQL holds for the ones the cache misses, which are cached again."""
    if not ids:
        return {}
    redis = get_redis()
    cached = mget(redis, [keys.comment(i) for i in ids])
    found = {comment_id: text for comment_id, text in zip(ids, cached, strict=True) if text}
    missing = [i for i in ids if i not in found]
    if missing:
        rows = [
            _row_from_db(row)
            for row in get_database().query(
                f"SELECT {_COLUMNS} FROM comments WHERE id IN ({placeholders(len(missing))})", missing
            )
        ]
        if rows:
            pipe = redis.pipeline(transaction=False)
            _cache_rows(rows, pipe)
            pipe.execute()
        found.update((row.id, _entry(row).decode()) for row in rows)
    return found


def ensure_video_comments(video_id: int, members: Sequence[int] = ()) -> str:
    """The video's comment ZSET key (bounded: services/id_sets.py), rebuilt from MySQL's newest live comments if it
    is missing, with ``members`` older than its floor brought back in."""
    return id_sets.ensure(id_sets.COMMENTS, video_id, members)


# Use cases -------------------------------------------------------------------------------------


def _fixed_members(entry: str, _media: str = "") -> tuple[int, bool, bytes]:
    """A comment cache entry's author, whether it is live, and its Comment object's members but the user (a row only
    changes when it is deleted, which changes the entry) as JSON text left open: the user follows."""
    fields = orjson.loads(entry)
    members = {"id": fields["id"], "content": fields["content"], "create_date": create_date(fields["created_at"])}
    return fields["user_id"], fields.get("deleted_at") is None, rendering.open_object(members)


_rendered = rendering.FixedMembers[str, str, tuple[int, bool, bytes]](key=lambda entry: entry, render=_fixed_members)
_COMMENT = b'%b,"user":%b}'  # a Comment object: its fixed members, then its user (a User object)


def _comment_object(row: CommentRow, user: dict[str, Any]) -> dict[str, Any]:
    _, _, members = _fixed_members(_entry(row).decode())
    return cast("dict[str, Any]", orjson.loads(_COMMENT % (members, orjson.dumps(user))))


def _show(row: CommentRow, key: str) -> None:
    pipe = get_redis().pipeline(transaction=False)
    _cache_rows([row], pipe)
    pipe.zadd(key, {str(row.id): row.created_at})
    pipe.execute()


def add_comment(user_id: int, video_id: int, text: str | None) -> dict[str, Any]:
    """Add a comment and return it as a Comment object (``user`` seen by the commenter).

    InvalidInput for bad text, NotFound for an unknown video, Unavailable when a backing service is down.
    Everything the answer needs is read before the first change, and whatever fails after it withdraws the
    comment before the error is raised, so an error answer never follows a stored comment.
    """
    ratelimit.hit("comment", user_id)
    content = clean_text(text)
    videos.require_video(video_id)
    author = users.get_user(user_id, user_id)
    comment_id = ids.next_id()
    row = CommentRow(comment_id, video_id, user_id, content, ids.timestamp_ms(comment_id))
    key = ensure_video_comments(video_id)
    _show(row, key)
    try:
        read_model.adjust_video_stats([(video_id, "comment_count", 1)])
        kafka.publish_one(Topics.COMMENT_EVENTS, str(video_id), row.event())
    except Exception:
        _withdraw(row, key)
        raise
    metrics.count("Comments")
    return _comment_object(row, author)


def _withdraw(row: CommentRow, key: str) -> None:
    if get_redis().zrem(key, str(row.id)):
        read_model.adjust_video_stats([(row.video_id, "comment_count", -1)])
    get_redis().delete(keys.comment(row.id))


def delete_comment(user_id: int, video_id: int, comment_id: int) -> None:
    """Delete the caller's own comment on ``video_id``.

    NotFound for an unknown video or comment (or one already deleted), InvalidInput when the comment
    is on another video, Forbidden when the caller is not its author.
    """
    videos.require_video(video_id)
    row = load_comments([comment_id]).get(comment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("comment not found")
    if row.video_id != video_id:
        raise InvalidInput("the comment does not belong to this video (check video_id and comment_id)")
    if row.user_id != user_id:
        raise Forbidden("only the author of a comment can delete it")
    key = ensure_video_comments(video_id, [comment_id])
    removed, deleted_at = _remove_at_redis_time(key, comment_id)
    deleted = row._replace(deleted_at=deleted_at)
    if not removed:
        # The list no longer shows it but its row is not marked deleted: a concurrent delete is under way,
        # or one crashed before announcing it. Announce it (again): tombstones are idempotent.
        kafka.publish_one(Topics.COMMENT_EVENTS, str(video_id), deleted.event())
        return
    counted = False
    try:
        pipe = get_redis().pipeline(transaction=False)
        _cache_rows([deleted], pipe)
        pipe.execute()
        read_model.adjust_video_stats([(video_id, "comment_count", -1)])
        counted = True
        kafka.publish_one(Topics.COMMENT_EVENTS, str(video_id), deleted.event())
    except Exception:
        _show(row, key)
        if counted:
            read_model.adjust_video_stats([(video_id, "comment_count", 1)])
        raise


# KEYS[1] the video's comments ZSET; ARGV[1] comment id. Returns {1 if it removed the comment else 0, the
# Redis TIME in ms}.
_REMOVE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local now = redis.call('TIME')
return {removed, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)}
"""


def _remove_at_redis_time(key: str, comment_id: int) -> tuple[bool, int]:
    """Withdraw the comment and stamp the deletion with the one Redis clock (not this container's): whether it
    was still listed, and when."""
    redis = get_redis()
    removed, at = redis.register_script(_REMOVE)(keys=[key], args=[comment_id], client=redis)
    return bool(int(removed)), int(at)


def list_comments(video_id: int, viewer_id: int | None, cursor: paging.Cursor | None = None) -> paging.Listing:
    """Comment objects of ``video_id``, newest first, one page after ``cursor``; NotFound for an unknown video.

    Users are full User objects seen by ``viewer_id``; ``create_date`` is ``MM-DD`` in UTC.
    """
    videos.require_video(video_id)
    page = id_sets.page(id_sets.COMMENTS, video_id, cursor, PAGE_SIZE)
    entries = _entries(page.ids)
    fixed = _rendered.of([entries[i] for i in page.ids if i in entries])
    live = [(user_id, members) for user_id, is_live, members in fixed if is_live]
    authors = users.user_texts({user_id for user_id, _ in live}, viewer_id)
    return jsontext.Rendered(
        [_COMMENT % (members, authors[user_id]) for user_id, members in live if user_id in authors]
    ), page.next_cursor


# Persistence (comment_consumer) ----------------------------------------------------------------

_INSERT_ADDED = (
    "INSERT INTO comments (id, video_id, user_id, content, created_at) VALUES (%s, %s, %s, %s, %s) "
    "ON DUPLICATE KEY UPDATE id = id"
)
_INSERT_DELETED = (
    "INSERT INTO comments (id, video_id, user_id, content, created_at, deleted_at) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE deleted_at = COALESCE(deleted_at, VALUES(deleted_at))"
)


def _event_row(event: Event) -> CommentRow:
    data = event.data
    deleted_at = data.get("deleted_at")
    return CommentRow(
        int(data["id"]),
        int(data["video_id"]),
        int(data["user_id"]),
        str(data["content"]),
        int(data["created_at"]),
        None if deleted_at is None else int(deleted_at),
    )


def persist_comment_events(events: Iterable[Event]) -> int:
    """Write ``comment.added`` / ``comment.deleted`` events to ``comments``; returns the rows written.

    Idempotent and order-free: an add never overwrites a row, a delete keeps the first tombstone and
    inserts the row already deleted when its add is still to come. Malformed events raise, and so does an id
    that holds a different comment (IdCollision, once the others are stored).
    """
    added: dict[int, CommentRow] = {}
    deleted: dict[int, CommentRow] = {}
    for event in events:
        if event.type == COMMENT_ADDED:
            row = _event_row(event)
            added[row.id] = row
        elif event.type == COMMENT_DELETED:
            row = _event_row(event)
            if row.deleted_at is None:
                raise ValueError(f"comment.deleted event {event.id} has no deleted_at")
            deleted[row.id] = row
    identity = [(r.id, r.video_id, r.user_id, r.content, r.created_at) for r in {**added, **deleted}.values()]
    _, clashes = id_collisions.split_collisions("comments", ("video_id", "user_id", "content", "created_at"), identity)
    database = get_database()
    database.execute_many(
        _INSERT_ADDED,
        [(r.id, r.video_id, r.user_id, r.content, r.created_at) for i, r in sorted(added.items()) if i not in clashes],
    )
    database.execute_many(
        _INSERT_DELETED,
        [
            (r.id, r.video_id, r.user_id, r.content, r.created_at, r.deleted_at)
            for i, r in sorted(deleted.items())
            if i not in clashes
        ],
    )
    _heal_lists([r for i, r in added.items() if i not in clashes and i not in deleted], list(deleted.values()))
    id_collisions.raise_for("comments", clashes)
    return len(added) + len(deleted)


def _heal_lists(added: list[CommentRow], deleted: list[CommentRow]) -> None:
    """Bring loaded comment lists in line with what was just persisted.

    A list rebuilt from MySQL (after a flush or an eviction) while these events were on their way there lacks
    the comments added and still shows the ones deleted; nothing else would ever correct it. A comment goes
    back only if it is still live, both in MySQL and in its cached row (a delete may be on its way too).
    Removing and re-adding are idempotent, so replays change nothing.
    """
    redis = get_redis()
    if deleted:
        pipe = redis.pipeline(transaction=False)
        for row in deleted:
            pipe.zrem(keys.video_comments(row.video_id), str(row.id))
        pipe.execute()
    if not added:
        return
    wanted = [row.id for row in added]
    live = {
        int(found["id"])
        for found in get_database().query(
            f"SELECT id FROM comments WHERE id IN ({placeholders(len(wanted))}) AND deleted_at IS NULL", wanted
        )
    }
    for row, raw in zip(added, mget(redis, [keys.comment(i) for i in wanted]), strict=True):
        if raw and orjson.loads(raw).get("deleted_at") is not None:
            live.discard(row.id)
    by_video: dict[int, dict[str, int]] = {}
    for row in added:
        if row.id in live:
            by_video.setdefault(row.video_id, {})[str(row.id)] = row.created_at
    read_model.add_if_loaded_each({keys.video_comments(video_id): members for video_id, members in by_video.items()})
