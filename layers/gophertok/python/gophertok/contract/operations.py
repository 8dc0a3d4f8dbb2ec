"""What each HTTP function accepts and returns, keyed by the function's name in ``registry.ROUTES``.

Adding an endpoint: its Route in the registry, its folder under functions/, and one Operation here
(a test fails while any of the three is missing). Parameters may arrive in the query string or the
body for every method; ``token`` is not listed as a parameter: it is the operation's ``auth``.
Cursor paging, when an endpoint gets it, is one more Param (``cursor``) and one optional field
(``next_cursor``) on that Operation; the generator needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from gophertok import paging
from gophertok.auth import identity
from gophertok.contract.objects import ID, INT64, Schema, ref
from gophertok.services import comments, feed, messages, publishing, uploads

Auth = Literal["required", "optional", "none"]


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Operation:
    summary: str
    auth: Auth
    params: tuple[Param, ...] = ()
    fields: dict[str, Schema] = field(default_factory=dict)  # the success envelope's extra fields
    optional_fields: tuple[str, ...] = ()  # fields of ``fields`` a success may leave out
    multipart_files: tuple[str, ...] = ()  # file fields: the body must be multipart/form-data
    description: str = ""
    extension: bool = False  # not in the official Douyin contract


def _text(min_length: int = 1, max_length: int | None = None) -> Schema:
    schema: Schema = {"type": "string", "minLength": min_length}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _action(*codes: int, meanings: str) -> Param:
    return Param("action_type", {"type": "integer", "enum": list(codes)}, True, meanings)


USER_ID_OPTIONAL = Param("user_id", ID, False, "whose list; defaults to the token's user")
CURSOR = Param(
    "cursor",
    {"type": "string", "pattern": "^[0-9]{1,19}\\.[0-9]{1,19}$"},
    False,
    "extension: the `next_cursor` of the previous page, for the next (older) one (docs/paging.md)",
)
NEXT_CURSOR: dict[str, Schema] = {
    "next_cursor": {
        "type": "string",
        "description": "extension: send it back as `cursor` for the next (older) page; empty after the last page",
    }
}
VIDEO_LIST = {"video_list": {"type": "array", "items": ref("Video")}}
USER_LIST = {"user_list": {"type": "array", "items": ref("User")}}
CREDENTIALS = (
    Param("username", _text(1, identity.USERNAME_MAX), True),
    Param("password", _text(identity.PASSWORD_MIN, identity.PASSWORD_MAX), True),
)
SESSION = {"user_id": ID, "token": {"type": "string", "description": "send it as `token` or `Authorization: Bearer`"}}

OPERATIONS: dict[str, Operation] = {
    "user_register": Operation(
        "Create an account",
        "none",
        CREDENTIALS,
        SESSION,
        description="A duplicate username is rejected (30002); the token works on the very next request.",
    ),
    "user_login": Operation(
        "Log in",
        "none",
        CREDENTIALS,
        SESSION,
        description="An unknown user and a wrong password get the same answer (20004).",
    ),
    "user_info": Operation(
        "A user's profile and counts",
        "required",
        (Param("user_id", ID, False, "defaults to the token's user"),),
        {"user": ref("User")},
    ),
    "favorite_action": Operation(
        "Like or unlike a video (idempotent)",
        "required",
        (Param("video_id", ID, True), _action(1, 2, meanings="1 like, 2 unlike")),
    ),
    "favorite_list": Operation(
        f"Videos a user liked, most recent like first ({paging.PAGE_SIZE} a page)",
        "required",
        (USER_ID_OPTIONAL, CURSOR),
        {**VIDEO_LIST, **NEXT_CURSOR},
    ),
    "comment_action": Operation(
        "Add a comment or delete one's own",
        "required",
        (
            Param("video_id", ID, True),
            _action(1, 2, meanings="1 add (needs comment_text), 2 delete (needs comment_id)"),
            Param("comment_text", _text(), False, "with action_type 1; sensitive words are masked with *"),
            Param("comment_id", ID, False, "with action_type 2; only the comment's author may delete it"),
        ),
        {"comment": ref("Comment")},
        optional_fields=("comment",),
        description="`comment` is present when a comment was added.",
    ),
    "comment_list": Operation(
        f"A video's comments, newest first ({comments.PAGE_SIZE} a page)",
        "optional",
        (Param("video_id", ID, True), CURSOR),
        {"comment_list": {"type": "array", "items": ref("Comment")}, **NEXT_CURSOR},
    ),
    "relation_action": Operation(
        "Follow or unfollow a user (idempotent)",
        "required",
        (Param("to_user_id", ID, True), _action(1, 2, meanings="1 follow, 2 unfollow")),
        description="Nobody can follow themselves; the target must exist.",
    ),
    "relation_follow_list": Operation(
        f"Users a user follows, most recent first ({paging.PAGE_SIZE} a page)",
        "required",
        (USER_ID_OPTIONAL, CURSOR),
        {**USER_LIST, **NEXT_CURSOR},
    ),
    "relation_follower_list": Operation(
        f"Users who follow a user, most recent first ({paging.PAGE_SIZE} a page)",
        "required",
        (USER_ID_OPTIONAL, CURSOR),
        {**USER_LIST, **NEXT_CURSOR},
    ),
    "relation_friend_list": Operation(
        f"Mutual follows, newest friendship first ({paging.PAGE_SIZE} a page), each with the latest message",
        "required",
        (USER_ID_OPTIONAL, CURSOR),
        {"user_list": {"type": "array", "items": ref("FriendUser")}, **NEXT_CURSOR},
        description="`message` and `msgType` are private to the two friends: on someone else's list they are "
        '`""` and 0.',
    ),
    "message_action": Operation(
        "Send a chat message",
        "required",
        (
            Param("to_user_id", ID, True),
            _action(1, meanings="1 send"),
            Param("content", _text(1, messages.CONTENT_MAX), True),
        ),
        description="Nobody can message themselves; the target must exist.",
    ),
    "message_chat": Operation(
        "The conversation with a user (poll it)",
        "required",
        (
            Param("to_user_id", ID, True),
            Param(
                "pre_msg_time",
                {**INT64, "minimum": 0},
                False,
                f"ms; > 0 returns only messages strictly newer and sent to the requester (at most "
                f"{messages.PAGE_SIZE}); 0 or absent: the newest {messages.PAGE_SIZE} of the conversation",
            ),
            CURSOR,
        ),
        {"message_list": {"type": "array", "items": ref("Message")}, **NEXT_CURSOR},
        description="Clients poll about once a second with `pre_msg_time` = the newest `create_time` they hold "
        "and append what comes back.",
    ),
    "video_feed": Operation(
        f"Up to {feed.PAGE_SIZE} videos published before latest_time, newest first",
        "optional",
        (
            Param(
                "latest_time",
                {**INT64, "minimum": 0},
                False,
                "ms (a value < 1e11 is read as seconds); empty or 0 means now",
            ),
        ),
        {
            **VIDEO_LIST,
            "next_time": {**INT64, "description": "ms: the oldest create_time in the list (now when empty)"},
        },
        description="Walk backwards by sending `next_time` as the next `latest_time`: no video repeats or is skipped.",
    ),
    "video_publish": Operation(
        "Publish a video sent in the request body",
        "required",
        (
            Param("title", _text(1, publishing.TITLE_MAX), True, "sensitive words are masked with *"),
            Param("data", {"type": "string", "contentMediaType": "application/octet-stream"}, True, "the video"),
        ),
        multipart_files=("data",),
        description="The file must be a video (its container signature is checked) within the size limit; "
        "on AWS bodies are limited to a few MB: use upload_url for larger files.",
    ),
    "video_publish_list": Operation(
        f"A user's videos, newest first ({paging.PAGE_SIZE} a page)",
        "required",
        (Param("user_id", ID, False, "defaults to the token's user"), CURSOR),
        {**VIDEO_LIST, **NEXT_CURSOR},
    ),
    "video_upload_url": Operation(
        "A presigned PUT for a large video (extension)",
        "required",
        (
            Param("title", _text(1, publishing.TITLE_MAX), True),
            Param("content_type", {"type": "string", "enum": list(uploads.VIDEO_CONTENT_TYPES)}, True),
            Param("size", {**INT64, "minimum": 1}, True, "the file's exact length in bytes"),
        ),
        {
            "upload_id": {"type": "string"},
            "upload_url": {"type": "string"},
            "method": {"const": "PUT"},
            "headers": ref("UploadHeaders"),
            "expires_in": {"type": "integer", "minimum": 1, "description": "seconds"},
        },
        description="PUT the file to `upload_url` with `headers`; the video appears in the author's "
        "publish/list and the feed once ingested (usually seconds). See docs/upload.md.",
        extension=True,
    ),
}
