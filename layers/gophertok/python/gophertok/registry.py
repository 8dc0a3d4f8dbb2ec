"""The single table of HTTP routes, event consumers and topics.

template.yaml, the local Chalice app, the local event runners and the tests all read (or are checked
against) this module, so adding an endpoint means adding one line here plus its function folder.
Function names are folder names under ``functions/``; each folder holds ``app.py`` with ``handler``.
"""

from __future__ import annotations

from dataclasses import dataclass

DEAD_LETTER_SUFFIX = ".dlq"


class Topics:
    USER_REGISTERED = "gophertok.user.registered"


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


ROUTES: tuple[Route, ...] = (
    Route("POST", "/douyin/user/register", "user_register"),
    Route("POST", "/douyin/user/login", "user_login"),
    Route("GET", "/douyin/user", "user_info"),
)

CONSUMERS: tuple[Consumer, ...] = (Consumer("user_profile_consumer", Topics.USER_REGISTERED, batch_size=20),)


def http_functions() -> list[str]:
    return sorted({route.function for route in ROUTES})


def consumer_functions() -> list[str]:
    return sorted({consumer.function for consumer in CONSUMERS})


def all_functions() -> list[str]:
    return sorted(set(http_functions()) | set(consumer_functions()))


def topics() -> list[str]:
    """Every Kafka topic the project uses, dead-letter topics included."""
    names = {consumer.topic for consumer in CONSUMERS}
    return sorted(names | {name + DEAD_LETTER_SUFFIX for name in names})
