"""Chat: send a message, poll a conversation, and persist sent messages (write-behind).

Sending appends to the conversation in Redis (readers see it on the very next poll) and publishes
``message.sent``; the message consumer inserts it into MySQL, keyed by the message id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gophertok import ids, logs, metrics, paging, ratelimit
from gophertok.adapters import kafka
from gophertok.adapters.mysql import get_database
from gophertok.errors import InvalidInput, Unavailable
from gophertok.events import Event
from gophertok.moderation import refuse_control_characters
from gophertok.registry import Topics
from gophertok.services import conversations, id_collisions
from gophertok.services.conversations import Message
from gophertok.services.social_targets import require_existing_user, require_other_user

SEND = 1
CONTENT_MAX = 1000
PAGE_SIZE = 200  # 200 messages of CONTENT_MAX four-byte characters stay under 1 MB
_POLL_WINDOW = 5 * PAGE_SIZE  # messages read per poll before keeping those sent to the viewer
MESSAGE_SENT = "message.sent"

log = logs.get_logger("gophertok.messages")


def validate_content(content: str | None) -> str:
    """The content exactly as typed; InvalidInput when it is blank or longer than CONTENT_MAX."""
    if content is None or not content.strip():
        raise InvalidInput("content must not be empty")
    if len(content) > CONTENT_MAX:
        raise InvalidInput(f"content must be at most {CONTENT_MAX} characters")
    return refuse_control_characters(content, "content")


def send_message(sender_id: int, to_user_id: int, action_type: int, content: str | None) -> Message:
    """Send ``content`` from ``sender_id`` to ``to_user_id`` (action_type 1); returns the stored message.

    Raises InvalidInput (bad action_type, blank or too long content, yourself), NotFound (no such
    user) and Unavailable (the event could not be published). Whatever fails after the message was shown,
    it is withdrawn before the error is raised, so the client can retry.
    """
    ratelimit.hit("message", sender_id)
    if action_type != SEND:
        raise InvalidInput("action_type must be 1 (send)")
    content = validate_content(content)
    require_other_user(sender_id, to_user_id, "send a message to")
    message = conversations.append(sender_id, to_user_id, ids.next_id(), content)
    event = Event(MESSAGE_SENT, message_event_data(message))
    low, high = message.pair
    try:
        kafka.publish_one(Topics.MESSAGE_EVENTS, f"{low}:{high}", event)
    except Exception:
        conversations.remove(message)
        raise
    metrics.count("Messages")
    return message


def chat(
    viewer_id: int, other_id: int, pre_msg_time: int | None, cursor: paging.Cursor | None = None
) -> paging.Listing:
    """The conversation as the client reads it, oldest first, and the cursor of the page before it.

    ``pre_msg_time`` > 0 (polling): messages newer than it that were sent to the viewer (the client
    appends what it gets without de-duplicating), at most PAGE_SIZE. Otherwise the newest PAGE_SIZE
    messages (before ``cursor`` when one is given) and a ``next_cursor`` when older ones exist. A warm poll
    is one Redis round trip and no SQL.
    """
    if other_id == viewer_id:
        raise InvalidInput("you cannot chat with yourself")
    if pre_msg_time:
        polled = _loaded(
            viewer_id, other_id, lambda: conversations.read_after(viewer_id, other_id, pre_msg_time, _POLL_WINDOW)
        )
        return [message for message in polled if message["to_user_id"] == viewer_id][:PAGE_SIZE], ""
    before = cursor.score if cursor else None
    found, more = _loaded(viewer_id, other_id, lambda: conversations.newest(viewer_id, other_id, before, PAGE_SIZE))
    next_cursor = paging.Cursor(found[-1]["create_time"], str(found[-1]["id"])).encode() if more else ""  # the oldest
    return found[::-1], next_cursor


def _loaded[T](viewer_id: int, other_id: int, read: Callable[[], T | None]) -> T:
    """``read()`` of a loaded conversation: when it is not loaded, check the other user and load it first."""
    found = read()
    if found is None:
        require_existing_user(other_id)
        conversations.ensure([(viewer_id, other_id)], depth=PAGE_SIZE)
        found = read()
    if found is None:
        raise Unavailable()  # flushed again between loading and reading
    return found


def message_event_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "from_user_id": message.from_user_id,
        "to_user_id": message.to_user_id,
        "content": message.content,
        "create_time": message.create_time,
    }


def _by_id(message: Message) -> int:
    return message.id


def persist_messages(events: Iterable[Event]) -> int:
    """Insert the messages of ``message.sent`` events into MySQL; returns how many events were applied.

    Idempotent: a message id already stored is left as it is, so any replay changes nothing; an id that holds a
    different message raises IdCollision once the others are stored.
    """
    messages = {}
    for event in events:
        if event.type == MESSAGE_SENT:
            data = event.data
            message = Message(
                int(data["id"]),
                int(data["from_user_id"]),
                int(data["to_user_id"]),
                str(data["content"]),
                int(data["create_time"]),
            )
            messages[message.id] = message
    if not messages:
        return 0
    candidates = [
        (m.id, m.from_user_id, m.to_user_id, m.content, m.create_time) for m in sorted(messages.values(), key=_by_id)
    ]
    rows, clashes = id_collisions.split_collisions(
        "messages", ("from_user_id", "to_user_id", "content", "created_at"), candidates
    )
    get_database().execute_many(
        "INSERT INTO messages (id, from_user_id, to_user_id, content, created_at) VALUES (%s, %s, %s, %s, %s) "
        "ON DUPLICATE KEY UPDATE id = id",
        rows,
    )
    conversations.add_if_loaded(m for m in messages.values() if m.id not in clashes)
    log.info("messages persisted", extra={"messages": len(rows)})
    id_collisions.raise_for("messages", clashes)
    return len(messages)
