"""Static files the local API serves outside /douyin/ (owned by the openapi-web work; empty for now)."""

from __future__ import annotations


def lookup(method: str, path: str) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) for a GET/HEAD of a static path, or None when there is no such file."""
    return None
