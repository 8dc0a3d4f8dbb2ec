"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the objects the API returns."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

INT64: Schema = {"type": "integer", "format": "int64"}
ID: Schema = {**INT64, "minimum": 1}
COUNT: Schema = {**INT64, "minimum": 0}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def closed_object(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object whose listed fields are all present (the contract never omits zero or false)."""
    schema: Schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


_USER_FIELDS: dict[str, Schema] = {
    "id": ID,
    "name": {"type": "string"},
    "follow_count": COUNT,
    "follower_count": COUNT,
    "is_follow": {"type": "boolean", "description": "whether the token holder follows this user (false anonymously)"},
    "avatar": {"type": "string"},
    "background_image": {"type": "string"},
    "signature": {"type": "string"},
    "total_favorited": {**COUNT, "description": "likes received by all the user's videos"},
    "work_count": {**COUNT, "description": "videos published"},
    "favorite_count": {**COUNT, "description": "videos this user liked"},
}

OBJECTS: dict[str, Schema] = {
    "User": closed_object(_USER_FIELDS, "A user as seen by the token holder."),
    "Video": closed_object(
        {
            "id": ID,
            "author": ref("User"),
            "play_url": {"type": "string"},
            "cover_url": {"type": "string"},
            "favorite_count": COUNT,
            "comment_count": COUNT,
            "is_favorite": {"type": "boolean", "description": "whether the token holder likes it"},
            "title": {"type": "string"},
        }
    ),
    "Comment": closed_object(
        {
            "id": ID,
            "user": ref("User"),
            "content": {"type": "string"},
            "create_date": {"type": "string", "pattern": "^[0-9]{2}-[0-9]{2}$", "description": "MM-DD"},
        }
    ),
    "Message": closed_object(
        {
            "id": ID,
            "to_user_id": ID,
            "from_user_id": ID,
            "content": {"type": "string"},
            "create_time": {**INT64, "description": "milliseconds since the epoch"},
        }
    ),
    "FriendUser": closed_object(
        {
            **_USER_FIELDS,
            "message": {"type": "string", "description": "latest message between the two, empty if none"},
            "msgType": {"type": "integer", "enum": [0, 1], "description": "0: the requester received it; 1: sent it"},
        },
        "A mutual follow with the latest message of the conversation.",
    ),
    "UploadHeaders": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "headers the PUT must carry exactly (S3 checks the signed ones)",
    },
}
