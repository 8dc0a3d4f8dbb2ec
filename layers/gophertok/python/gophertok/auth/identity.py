"""Identity rules: what a username and a password may be (docs/identity.md).

Usernames are NFKC-normalised (so full-width and styled letters are the plain ones), must not start or end
with spaces, and may not hold invisible, format, bidi or unassigned characters, nor mix scripts the way
impersonators do (Latin with Cyrillic, say) or be written entirely in letters that imitate Latin ones. The
script test is UTS #39's "highly restrictive" profile, with a character's script taken from its Unicode name.
Passwords are 6-32 characters as typed, not blank, not among the 10,000 most common ones (data/), and neither
equal to nor containing the username.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

from gophertok.errors import InvalidInput

USERNAME_MAX = 32
PASSWORD_MIN, PASSWORD_MAX = 6, 32
_USERNAME_IN_PASSWORD_MIN = 3  # shorter usernames ("a", "jo") are only refused as the whole password

# Invisible or unprintable: format (incl. bidi controls, zero-width characters), control, line/paragraph
# separators, private use, surrogates, unassigned.
_REFUSED_CATEGORIES = {"Cf", "Cc", "Zl", "Zp", "Co", "Cs", "Cn"}
_REPLACEMENT_CHARACTER = "\ufffd"  # what undecodable bytes became somewhere on the way

# Scripts that may share a name (UTS #39 highly restrictive); any single script is fine too.
_ALLOWED_MIXES = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": None, "MODIFIER": None}

# Cyrillic and Greek letters that look like Latin ones: a name made only of these imitates a Latin name.
_LATIN_LOOKALIKES = set(
    "аеорсухіјѕԁԛԝһӏвкмнтАВЕКМНОРСТХІЈЅУҮ"  # Cyrillic
    "αοικνρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Greek
)


def normalise_username(raw: str) -> str:
    """NFKC form of ``raw``; InvalidInput when it starts or ends with spaces (before or after normalising)."""
    username = unicodedata.normalize("NFKC", raw)
    if raw != raw.strip() or username != username.strip():
        raise InvalidInput("username must not start or end with spaces")
    return username


def validate_new_username(raw: str | None) -> str:
    """The username to store for a new account; InvalidInput saying what is wrong otherwise."""
    if not raw:
        raise InvalidInput("username is required")
    username = normalise_username(raw)
    if len(username) > USERNAME_MAX:
        raise InvalidInput(f"username must be at most {USERNAME_MAX} characters")
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES or ch == _REPLACEMENT_CHARACTER for ch in username):
        raise InvalidInput("username must not contain invisible, control or direction-changing characters")
    scripts = _scripts(username)
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES):
        raise InvalidInput("username must not mix alphabets such as Latin and Cyrillic")
    if scripts & {"CYRILLIC", "GREEK"} and all(ch in _LATIN_LOOKALIKES for ch in username if ch.isalpha()):
        raise InvalidInput("username must not imitate a Latin name with look-alike letters")
    return username


def validate_new_password(password: str | None, username: str) -> str:
    """``password`` as typed when it may protect the account of ``username``; InvalidInput otherwise."""
    if not password:
        raise InvalidInput("password is required")
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"password must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"password must be at most {PASSWORD_MAX} characters")
    if not password.strip():
        raise InvalidInput("password must not be only spaces")
    folded, name = password.casefold(), username.casefold()
    if folded == name or (len(name) >= _USERNAME_IN_PASSWORD_MIN and name in folded):
        raise InvalidInput("password must not contain the username")
    if folded in _common_passwords():
        raise InvalidInput("this password is too common and easy to guess: choose another")
    return password


def _scripts(text: str) -> set[str]:
    """Scripts of the letters in ``text`` (digits, punctuation and marks belong to none)."""
    found = set()
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            word = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
            script = _SCRIPT_ALIASES.get(word, word)
            if script:
                found.add(script)
    return found


@functools.cache
def _common_passwords() -> frozenset[str]:
    raw = resources.files("gophertok").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.casefold() for line in raw.splitlines() if line and not line.startswith("# "))
