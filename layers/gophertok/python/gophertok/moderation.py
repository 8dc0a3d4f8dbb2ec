"""Sensitive-word masking for user text (video titles, comments), and the characters free text may not hold.

Every character of a listed word is replaced by ``*``; everything else (spaces, punctuation, case,
emoji, HTML-looking text) is kept exactly as typed. Matching ignores case and covers overlapping and
nested words (``他妈`` inside ``他妈的``); Latin-script words match whole words only. The list is a
data file in this package, loaded once per container.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

from gophertok.errors import InvalidInput

MASK = "*"

# Free text (comments, messages, titles) keeps line breaks and tabs; any other control character, the Unicode
# line/paragraph separators and the bidi embeddings, overrides and isolates (which make text display in another
# order than it was written, e.g. "\u202e") are refused, never silently removed: the text is stored as typed.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_REFUSED_FORMATS = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _normalise(text: str) -> str:
    # casefold can change length (e.g. "ß" -> "ss"); lower() keeps one character per character.
    return text.lower()


@functools.cache
def _words() -> tuple[str, ...]:
    raw = resources.files("gophertok").joinpath("data/sensitive_words.txt").read_text(encoding="utf-8")
    words = {_normalise(line.strip()) for line in raw.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(words, key=len, reverse=True))


@functools.cache
def _index() -> dict[str, tuple[str, ...]]:
    """Words grouped by their first character, so a scan only tries plausible words."""
    grouped: dict[str, list[str]] = {}
    for word in _words():
        grouped.setdefault(word[0], []).append(word)
    return {first: tuple(words) for first, words in grouped.items()}


def _bounded(text: str, start: int, length: int, word: str) -> bool:
    """Latin words match whole words only ("shit" is not masked inside "shitake"); CJK words match anywhere."""
    if not word.isascii():
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[start + length] if start + length < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def mask(text: str) -> str:
    """``text`` with every sensitive word replaced by as many ``*`` as it has characters."""
    lowered = _normalise(text)
    if len(lowered) != len(text):  # defensive: positions must line up with the original
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    index = _index()
    masked = [False] * len(text)
    for start, char in enumerate(lowered):
        for word in index.get(char, ()):
            if lowered.startswith(word, start) and _bounded(lowered, start, len(word), word):
                for position in range(start, start + len(word)):
                    masked[position] = True
    if not any(masked):
        return text
    return "".join(MASK if hit else char for char, hit in zip(text, masked, strict=True))


def contains_sensitive(text: str) -> bool:
    return mask(text) != text


def refuse_control_characters(text: str, what: str) -> str:
    """``text`` unchanged; InvalidInput naming ``what`` when it holds a refused control or bidi character."""
    for char in text:
        if char in _REFUSED_FORMATS or (unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS):
            raise InvalidInput(f"{what} must not contain control characters or text-direction overrides")
    return text
