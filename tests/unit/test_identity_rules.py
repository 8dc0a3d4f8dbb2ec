"""auth.identity: which usernames and passwords an account may have."""

from __future__ import annotations

import pytest

from gophertok.auth.identity import normalise_username, validate_new_password, validate_new_username
from gophertok.errors import InvalidInput
from gophertok.moderation import refuse_control_characters


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("alice", "alice"),
        ("ａｌｉｃｅ", "alice"),  # full-width letters are the plain ones
        ("\U0001d41a\U0001d425\U0001d422\U0001d41c\U0001d41e", "alice"),  # mathematical bold
        ("用户abc", "用户abc"),  # Han with Latin is how Chinese users write
        ("ゆうこ_ユウコ_優子", "ゆうこ_ユウコ_優子"),  # Hiragana, Katakana and Han together
        ("김민준Kim", "김민준Kim"),
        ("Иван", "Иван"),  # Cyrillic on its own is fine when it does not imitate Latin
        ("ana b", "ana b"),
        ("x" * 32, "x" * 32),
    ],
)
def test_acceptable_usernames_are_stored_in_nfkc_form(raw, stored):
    assert validate_new_username(raw) == stored


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("alice\u200b", "invisible"),  # zero-width space
        ("\u202eecila", "invisible"),  # right-to-left override
        ("ali\u2066ce", "invisible"),  # bidi isolate
        ("ali\x00ce", "invisible"),
        ("ali\x1bce", "invisible"),
        ("ali\u2028ce", "invisible"),  # line separator
        ("ali\ue000ce", "invisible"),  # private use
        ("ali\U000e0001ce", "invisible"),  # language tag
        ("ali\ufffdce", "invisible"),  # undecodable input on the way
        ("\u0430lice", "mix"),  # Cyrillic а among Latin letters
        ("pаypal", "mix"),
        ("\u0430\u0440\u0435", "imitate"),  # all-Cyrillic "аре" reads as Latin "ape"
        ("\u03bf\u03c1\u03b1", "imitate"),  # all-Greek "ορα"
        ("alice ", "spaces"),
        (" alice", "spaces"),
        ("alice\u3000", "spaces"),  # ideographic space becomes a space under NFKC
        ("x" * 33, "at most 32"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_impersonating_or_invisible_usernames_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(InvalidInput) as refused:
        validate_new_username(raw)

    assert fragment in refused.value.message


def test_login_usernames_are_normalised_like_registration_and_refuse_edge_spaces():
    assert normalise_username("ａｌｉｃｅ") == "alice"
    for padded in ("alice ", " alice", "alice\t"):
        with pytest.raises(InvalidInput, match="spaces"):
            normalise_username(padded)


@pytest.mark.parametrize(
    ("password", "username", "fragment"),
    [
        ("123456", "someone", "too common"),
        ("password1", "someone", "too common"),
        ("PassWord1", "someone", "too common"),  # case does not make a common password rare
        ("qwerty123", "someone", "too common"),
        ("woaini1314", "someone", "too common"),
        ("      ", "someone", "only spaces"),
        ("\u3000" * 6, "someone", "only spaces"),
        ("alice123", "alice123", "username"),
        ("ALICE123", "alice123", "username"),
        ("my-alice-pw", "alice", "username"),
        ("12345", "someone", "at least 6"),
        ("p" * 33, "someone", "at most 32"),
        ("", "someone", "required"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, username, fragment):
    with pytest.raises(InvalidInput) as refused:
        validate_new_password(password, username)

    assert fragment in refused.value.message


@pytest.mark.parametrize(
    ("password", "username"),
    [("quiet-Otter-42", "alice"), ("密" * 32, "用户"), ("jo-was-here-7", "jo"), ("  spaced out  ", "bob")],
)
def test_reasonable_passwords_are_kept_exactly_as_typed(password, username):
    assert validate_new_password(password, username) == password


@pytest.mark.parametrize(
    "text", ["a\x00b", "a\x1bb", "a\x07", "a\x7f", "a\x85b", "abc\u202edef", "a\u2066b", "a\u2028b"]
)
def test_free_text_with_control_or_bidi_override_characters_is_refused(text):
    with pytest.raises(InvalidInput, match="comment_text must not contain control characters"):
        refuse_control_characters(text, "comment_text")


@pytest.mark.parametrize("text", ["line\nbreak\r\n\ttab", "👨\u200d👩\u200d👧", "שלום\u200f!", "普通的评论"])
def test_free_text_keeps_line_breaks_tabs_joiners_and_marks_exactly(text):
    assert refuse_control_characters(text, "content") == text
