"""Publishing a video: validate the upload, store its media, index it, announce it.

The synchronous part does everything the next request reads (objects in S3, the row in the Redis
cache, the feed and author indexes, the author's work_count) and then sends ``video.published`` with
the full row; the consumer persists it to MySQL (see video_persistence). Nothing is stored before the
file is known to be a decodable video. Media is content-addressed (``videos/<sha256>.<ext>``), so the
same bytes uploaded twice are stored once while each publish is its own video.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from gophertok import ids, keys, metrics, moderation, ratelimit
from gophertok.adapters import kafka, storage
from gophertok.adapters.redis_client import get_redis
from gophertok.config import get_settings
from gophertok.errors import InvalidInput, PayloadTooLarge, Unavailable
from gophertok.events import Event
from gophertok.media import covers
from gophertok.media.sniff import sniff_video
from gophertok.registry import Topics
from gophertok.services import read_model, video_index
from gophertok.services.videos import VideoRow, cache_rows

VIDEO_PUBLISHED = "video.published"
TITLE_MAX = 100
MIB = 1024 * 1024


@dataclass(frozen=True)
class Published:
    row: VideoRow
    content_sha256: str

    def event(self) -> Event:
        return Event(VIDEO_PUBLISHED, {**asdict(self.row), "content_sha256": self.content_sha256})


def clean_title(title: str | None) -> str:
    """The title to store: required, at most TITLE_MAX characters, sensitive words masked, else as typed."""
    if title is None or not title.strip():
        raise InvalidInput("title is required: give the video a title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"title must be at most {TITLE_MAX} characters (got {len(title)})")
    return moderation.mask(moderation.refuse_control_characters(title, "title"))


def check_upload(data: bytes | None, max_bytes: int) -> bytes:
    """The uploaded bytes, if present, not empty and within ``max_bytes``."""
    if data is None:
        raise InvalidInput("data is required: attach the video file as the multipart field 'data'")
    if not data:
        raise InvalidInput("the video file is empty")
    if len(data) > max_bytes:
        limit = f"{max_bytes / MIB:g} MiB" if max_bytes >= MIB else f"{max_bytes} bytes"
        raise PayloadTooLarge(f"the video is too large: the limit is {limit}")
    return data


def _store_media(sha256: str, extension: str, content_type: str, video: bytes, cover: bytes) -> tuple[str, str]:
    play_key, cover_key = f"videos/{sha256}.{extension}", f"covers/{sha256}.jpg"
    for key, data, kind in ((play_key, video, content_type), (cover_key, cover, "image/jpeg")):
        if not storage.object_exists(key):
            storage.put_object(key, data, kind)
    return play_key, cover_key


def _index(row: VideoRow) -> None:
    # Counters loaded before the change (from MySQL, which has not got this video yet), so the increment lands
    # on them: a first reader rebuilding them later, while the event is in flight, would count one video less.
    read_model.load_user_stats([row.author_id])
    video_index.ensure_indexes([row.author_id])
    pipe = get_redis().pipeline(transaction=False)
    cache_rows([row], pipe)
    video_index.add_videos([(row.id, row.author_id, row.created_at)], pipe)
    pipe.execute()
    read_model.adjust_user_stats([(row.author_id, "work_count", 1)])


def _unindex(row: VideoRow) -> None:
    pipe = get_redis().pipeline(transaction=False)
    video_index.remove_videos([(row.id, row.author_id)], pipe)
    pipe.delete(keys.video(row.id))
    pipe.execute()
    read_model.adjust_user_stats([(row.author_id, "work_count", -1)])


def publish_video(author_id: int, title: str | None, data: bytes | None) -> Published:
    """Publish ``data`` (the uploaded file) as a new video of ``author_id``.

    Raises InvalidInput (missing file or title, title too long), PayloadTooLarge, UnsupportedMedia (not
    a video container, truncated, or undecodable: nothing is stored then) and Unavailable (a backing
    service is down; the read model is left as it was).
    """
    ratelimit.hit("publish", author_id)
    data = check_upload(data, get_settings().max_video_bytes)
    clean = clean_title(title)
    video_format = sniff_video(data)
    cover = covers.extract_cover(data, video_format.extension)
    sha256 = hashlib.sha256(data).hexdigest()
    play_key, cover_key = _store_media(sha256, video_format.extension, video_format.content_type, data, cover)
    # created_at is the id's own millisecond: no shared clock key serialises publishes, and feed pages keep
    # videos of one millisecond together (services/feed.py), so ties are harmless.
    video_id = ids.next_id()
    row = VideoRow(video_id, author_id, clean, play_key, cover_key, ids.timestamp_ms(video_id))
    published = Published(row, sha256)
    _index(row)
    try:
        kafka.publish_one(Topics.VIDEO_PUBLISHED, str(row.id), published.event())
    except Unavailable:
        # Without its event the video would never reach MySQL: take it back so the client can retry.
        _unindex(row)
        raise
    metrics.count("Uploads", bytes=len(data))
    return published
