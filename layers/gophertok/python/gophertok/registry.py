"""The single table of HTTP routes, event consumers and topics.

template.yaml, the local Chalice app, the local event runners and the tests all read (or are checked
against) this module, so adding an endpoint means adding one line here plus its function folder.
Function names are folder names under ``functions/``; each folder holds ``app.py`` with ``handler``.
"""

from __future__ import annotations

from dataclasses import dataclass

DEAD_LETTER_SUFFIX = ".dlq"


class Queues:
    """SQS queue base names; a deployed stage appends ``-<stage>`` (template.yaml), locally they are used as is."""

    MEDIA_UPLOADS = "gophertok-media-uploads"


UPLOADS_PREFIX = "uploads/"  # S3 key prefix of presigned uploads; ObjectCreated under it notifies MEDIA_UPLOADS


class Topics:
    USER_REGISTERED = "gophertok.user.registered"
    FAVORITE_EVENTS = "gophertok.favorite.events"
    COMMENT_EVENTS = "gophertok.comment.events"
    RELATION_EVENTS = "gophertok.relation.events"
    MESSAGE_EVENTS = "gophertok.message.events"
    VIDEO_PUBLISHED = "gophertok.video.published"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # canonical form without the trailing slash; the slash-suffixed form is served too
    function: str


@dataclass(frozen=True)
class Consumer:
    function: str
    topic: str
    batch_size: int = 100


@dataclass(frozen=True)
class QueueConsumer:
    """A function fed by an SQS queue (ReportBatchItemFailures: the handler names the messages to retry)."""

    function: str
    queue: str
    batch_size: int = 10


ROUTES: tuple[Route, ...] = (
    Route("POST", "/douyin/user/register", "user_register"),
    Route("POST", "/douyin/user/login", "user_login"),
    Route("GET", "/douyin/user", "user_info"),
    Route("POST", "/douyin/favorite/action", "favorite_action"),
    Route("GET", "/douyin/favorite/list", "favorite_list"),
    Route("POST", "/douyin/comment/action", "comment_action"),
    Route("GET", "/douyin/comment/list", "comment_list"),
    Route("POST", "/douyin/relation/action", "relation_action"),
    Route("GET", "/douyin/relation/follow/list", "relation_follow_list"),
    Route("GET", "/douyin/relation/follower/list", "relation_follower_list"),
    Route("GET", "/douyin/relation/friend/list", "relation_friend_list"),
    Route("POST", "/douyin/message/action", "message_action"),
    Route("GET", "/douyin/message/chat", "message_chat"),
    Route("GET", "/douyin/feed", "video_feed"),
    Route("POST", "/douyin/publish/action", "video_publish"),
    Route("GET", "/douyin/publish/list", "video_publish_list"),
    Route("POST", "/douyin/publish/upload_url", "video_upload_url"),
)

CONSUMERS: tuple[Consumer, ...] = (
    Consumer("user_profile_consumer", Topics.USER_REGISTERED, batch_size=20),
    Consumer("favorite_consumer", Topics.FAVORITE_EVENTS, batch_size=500),
    Consumer("comment_consumer", Topics.COMMENT_EVENTS),
    Consumer("relation_consumer", Topics.RELATION_EVENTS),
    Consumer("message_consumer", Topics.MESSAGE_EVENTS),
    Consumer("video_published_consumer", Topics.VIDEO_PUBLISHED),
)


QUEUE_CONSUMERS: tuple[QueueConsumer, ...] = (QueueConsumer("video_ingest", Queues.MEDIA_UPLOADS, batch_size=5),)


@dataclass(frozen=True)
class Schedule:
    """A function run on a timer (an EventBridge schedule on AWS, the local API's scheduler locally)."""

    function: str
    every_minutes: int


SCHEDULES: tuple[Schedule, ...] = (Schedule("reconcile", every_minutes=1),)

OPS_FUNCTIONS: tuple[str, ...] = ("db_migrate", "kafka_topics", "replay_dlq")
"""Functions run by operators or the deploy workflow (no route, no event source): inside the VPC on AWS."""

FALLBACK_FUNCTION = "not_found"
"""Serves every request no route matches (API Gateway's ``$default`` route; the local API does the same)."""


def canonical_path(path: str) -> str:
    """``path`` as ROUTES spell it: without the trailing slash (``/`` stays ``/``)."""
    return path.rstrip("/") or "/"


def methods_for(path: str) -> list[str]:
    """The methods ROUTES serve at ``path`` (trailing slash optional); empty for an unknown path."""
    wanted = canonical_path(path)
    return sorted({route.method for route in ROUTES if route.path == wanted})


def http_functions() -> list[str]:
    return sorted({route.function for route in ROUTES} | {FALLBACK_FUNCTION})


def consumer_functions() -> list[str]:
    """Functions fed by an event source: Kafka consumers and queue consumers."""
    return sorted({consumer.function for consumer in CONSUMERS} | {consumer.function for consumer in QUEUE_CONSUMERS})


def scheduled_functions() -> list[str]:
    return sorted(schedule.function for schedule in SCHEDULES)


def all_functions() -> list[str]:
    return sorted(set(http_functions()) | set(consumer_functions()) | set(OPS_FUNCTIONS) | set(scheduled_functions()))


def queues() -> list[str]:
    return sorted({consumer.queue for consumer in QUEUE_CONSUMERS})


def topics() -> list[str]:
    """Every Kafka topic the project uses, dead-letter topics included."""
    names = {consumer.topic for consumer in CONSUMERS}
    return sorted(names | {name + DEAD_LETTER_SUFFIX for name in names})
