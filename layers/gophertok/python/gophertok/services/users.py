"""Accounts: register, log in, and the User objects that every endpoint embeds.

Registration is synchronous in MySQL (the unique key on ``username`` settles races) and announces
``user.registered`` on Kafka; the profile consumer then draws the default avatar and background.

Password hashing (argon2) and token issuing (PyJWT) are imported by ``register`` and ``login`` only: every
other function reads profiles through this module and must not pay for them at cold start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from gophertok import invocation, jsontext, keys, metrics, ratelimit, rendering
from gophertok.adapters import kafka
from gophertok.adapters.mysql import DuplicateKey, get_database, placeholders
from gophertok.adapters.redis_client import get_redis, mget
from gophertok.auth import identity
from gophertok.errors import Conflict, InvalidInput, LoginFailed, NotFound, Unavailable
from gophertok.events import Event
from gophertok.registry import Topics
from gophertok.services import read_model

USER_REGISTERED = "user.registered"


@dataclass(frozen=True)
class Profile:
    """The stored part of a user (counts are derived elsewhere)."""

    id: int
    name: str
    avatar_key: str
    background_key: str
    signature: str


def validate_credentials(username: str | None, password: str | None) -> tuple[str, str]:
    """The (NFKC-normalised username, password) of a new account; InvalidInput saying what is wrong otherwise.

    The rules are in auth/identity.py (docs/identity.md).
    """
    if not username:
        raise InvalidInput("username is required")
    if not password:
        raise InvalidInput("password is required")
    username = identity.validate_new_username(username)
    return username, identity.validate_new_password(password, username)


def register(username: str | None, password: str | None, source_ip: str | None = None) -> tuple[int, str]:
    """Create the account; returns (user_id, token). Conflict when the username is taken.

    ``source_ip`` (the HTTP caller's) is rate limited after validation, so a mistyped password does not use
    up the caller's registrations; in-process callers (the seed script) pass None.
    """
    from gophertok.auth.passwords import hash_password
    from gophertok.auth.tokens import issue_token

    username, password = validate_credentials(username, password)
    if source_ip is not None:
        ratelimit.hit("register", source_ip)
    database = get_database()
    try:
        _, user_id = database.execute(
            "INSERT INTO users (username, password_hash) VALUES (%s, %s)", (username, hash_password(password))
        )
    except DuplicateKey:
        raise Conflict("username is already taken") from None
    event = Event(USER_REGISTERED, {"user_id": user_id, "username": username})
    try:
        kafka.publish_one(Topics.USER_REGISTERED, str(user_id), event)
    except Unavailable:
        # Without its event the account would never get a profile: undo it so the client can retry.
        delete_user(user_id)
        raise
    metrics.count("Registrations")
    return user_id, issue_token(user_id)


def delete_user(user_id: int) -> None:
    """Remove the account row and its cached profile, so the user's tokens stop working at once.

    Every deletion of a user goes through here: auth.session trusts the cached profile.
    """
    get_database().execute("DELETE FROM users WHERE id = %s", (user_id,))
    forget_profiles([user_id])


def login(username: str | None, password: str | None, source_ip: str = "") -> tuple[int, str]:
    """Returns (user_id, token); LoginFailed (same message) for an unknown user or a wrong password.

    RateLimited while the username or ``source_ip`` is locked out after repeated failures (gophertok.ratelimit).
    """
    from gophertok.auth.passwords import hash_password, needs_rehash, verify_password
    from gophertok.auth.tokens import issue_token

    if not username or not password:
        raise InvalidInput("username and password are required")
    # As at registration: "alice " must not reach the padding collation and log in as "alice".
    username = identity.normalise_username(username)
    ratelimit.begin_login(username, source_ip)
    database = get_database()
    row = database.query_one("SELECT id, password_hash FROM users WHERE username = %s", (username,))
    stored = row["password_hash"] if row else None
    if not verify_password(stored, password) or row is None:
        raise LoginFailed()
    ratelimit.login_succeeded(username, source_ip)
    if needs_rehash(row["password_hash"]):
        database.execute("UPDATE users SET password_hash = %s WHERE id = %s", (hash_password(password), row["id"]))
    return int(row["id"]), issue_token(int(row["id"]))


def load_profiles(user_ids: Iterable[int]) -> dict[int, Profile]:
    """Profiles by id: one MGET for the cached ones, one ``IN`` query for the rest."""
    return {user_id: Profile(**fields) for user_id, fields in _profile_fields(user_ids).items()}


def exists(user_id: int) -> bool:
    """Whether ``user_id`` names a user (its cached profile, or MySQL), without building its Profile."""
    return user_id in _profile_fields([user_id])


def _profile_fields(user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each found user's Profile fields as a dict (what the cache holds): lists read hundreds of them and need no
    Profile objects."""
    ids = list(dict.fromkeys(map(int, user_ids)))
    known = invocation.scratch("profiles")  # read earlier in this request (the token check reads the caller's)
    wanted = [i for i in ids if i not in known] if known else ids
    if not wanted:
        return {i: known[i] for i in ids if i in known}
    cached = jsontext.loads_many(mget(get_redis(), [keys.user_profile(i) for i in wanted]))
    found = {user_id: fields for user_id, fields in zip(wanted, cached, strict=True) if fields}
    missing = [i for i in wanted if i not in found]
    if missing:
        stored = _stored_profiles(missing)
        found.update((profile.id, asdict(profile)) for profile in stored)
        # Fill only: a writer that changed the row since our read already cached the newer profile.
        cache_profiles(stored, fill_only=True)
    if len(wanted) < len(ids):
        found.update((i, known[i]) for i in ids if i in known and i not in found)
    known.update(found)
    return found


_PROFILE_COLUMNS = "id, username, avatar, background_image, signature"


def _stored_profiles(user_ids: list[int]) -> list[Profile]:
    marks = placeholders(len(user_ids))
    rows = get_database().query(f"SELECT {_PROFILE_COLUMNS} FROM users WHERE id IN ({marks})", user_ids)
    return [
        Profile(int(row["id"]), row["username"], row["avatar"], row["background_image"], row["signature"])
        for row in rows
    ]


def refresh_profiles(user_ids: Iterable[int]) -> None:
    """After their rows changed: cache what MySQL now holds (overwriting), and mark the users that are gone."""
    wanted = list(dict.fromkeys(map(int, user_ids)))
    if not wanted:
        return
    found = _stored_profiles(wanted)
    cache_profiles(found)
    forget_profiles(set(wanted) - {profile.id for profile in found})


def cache_profiles(profiles: Iterable[Profile], fill_only: bool = False) -> None:
    """Cache profiles (one pipeline). Writers overwrite; readers fill only a missing entry, so a reader that
    read the row before a writer changed it cannot put the old profile back over the new one."""
    pipe = get_redis().pipeline(transaction=False)
    count, known = 0, invocation.scratch("profiles")
    for profile in profiles:
        known.pop(profile.id, None)
        pipe.set(
            keys.user_profile(profile.id), orjson.dumps(asdict(profile)), ex=keys.PROFILE_TTL_SECONDS, nx=fill_only
        )
        count += 1
    if count:
        pipe.execute()


def forget_profiles(user_ids: Iterable[int]) -> None:
    """Mark profiles as gone: an empty entry reads as missing (so MySQL decides) and, being present, keeps a
    reader that read the row before it was deleted from caching it again."""
    pipe = get_redis().pipeline(transaction=False)
    count, known = 0, invocation.scratch("profiles")
    for user_id in user_ids:
        known.pop(user_id, None)
        pipe.set(keys.user_profile(user_id), "", ex=keys.PROFILE_TTL_SECONDS)
        count += 1
    if count:
        pipe.execute()


def _fixed_members(profile: dict[str, Any], media: str) -> bytes:
    """The members of a User object that come from its profile, as JSON text left open: the counters follow."""
    return rendering.open_object(
        {
            "id": profile["id"],
            "name": profile["name"],
            "avatar": rendering.media_url(media, profile["avatar_key"]),
            "background_image": rendering.media_url(media, profile["background_key"]),
            "signature": profile["signature"],
        }
    )


def _profile_key(profile: dict[str, Any]) -> tuple[Any, ...]:
    return profile["id"], profile["name"], profile["avatar_key"], profile["background_key"], profile["signature"]


_rendered = rendering.FixedMembers[dict[str, Any], tuple[Any, ...], bytes](key=_profile_key, render=_fixed_members)

# A User object after its fixed members, still open (a FriendUser adds its own).
_USER = (
    b'%b,"follow_count":%d,"follower_count":%d,"is_follow":%b,"total_favorited":%d,"work_count":%d,"favorite_count":%d'
)


def open_user_texts(
    user_ids: Iterable[int], viewer_id: int | None, followed_by_viewer: bool = False
) -> dict[int, bytes]:
    """Full ``User`` objects as JSON text left open (without their closing brace), keyed by id, for any number of
    users, in a bounded number of round trips.

    ``is_follow`` is relative to ``viewer_id`` (False for anonymous viewers, and for the viewer's own object: nobody
    follows themselves, so that costs no look-up). ``followed_by_viewer``: the ids are a page of whom the viewer
    follows (their follow or friend list), so each is_follow is true with no look-up. Users that do not exist are
    absent from the result.
    """
    profiles = _profile_fields(user_ids)
    stats = read_model.load_user_stats(profiles)
    others = [user_id for user_id in profiles if user_id != viewer_id]
    followed = set(others) if followed_by_viewer else read_model.following_flags(viewer_id, others)
    texts = {}
    for user_id, members in zip(profiles, _rendered.of(list(profiles.values())), strict=True):
        counts = stats[user_id]
        texts[user_id] = _USER % (
            members,
            counts.follow_count,
            counts.follower_count,
            b"true" if user_id in followed else b"false",
            counts.total_favorited,
            counts.work_count,
            counts.favorite_count,
        )
    return texts


def user_texts(user_ids: Iterable[int], viewer_id: int | None, followed_by_viewer: bool = False) -> dict[int, bytes]:
    """``open_user_texts``, closed: each a whole User object."""
    return {user_id: text + b"}" for user_id, text in open_user_texts(user_ids, viewer_id, followed_by_viewer).items()}


def user_objects(
    user_ids: Iterable[int], viewer_id: int | None, followed_by_viewer: bool = False
) -> dict[int, dict[str, Any]]:
    """``user_texts`` as values, for the few callers that need them (a single user, a new comment)."""
    texts = user_texts(user_ids, viewer_id, followed_by_viewer)
    return dict(zip(texts, jsontext.Rendered(list(texts.values())), strict=True))


def get_user(user_id: int, viewer_id: int | None) -> dict[str, Any]:
    user = user_objects([user_id], viewer_id).get(user_id)
    if user is None:
        raise NotFound("user not found")
    return user
