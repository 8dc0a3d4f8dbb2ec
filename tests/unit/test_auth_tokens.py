"""auth.tokens: every bad token is TokenInvalid or TokenExpired, never another exception."""

from __future__ import annotations

import base64
import json
import time
from collections import OrderedDict

import jwt
import pytest

from gophertok.auth import tokens
from gophertok.auth.tokens import ALGORITHM, ISSUER, issue_token, verify_token
from gophertok.config import ConfigurationError, load_settings
from gophertok.errors import TokenExpired, TokenInvalid


def signed(claims: dict, settings, algorithm: str = ALGORITHM) -> str:
    """Sign ``claims`` with the real secret, bypassing issue_token's choice of claims."""
    return jwt.encode(claims, settings.jwt_secret, algorithm=algorithm)


def valid_claims(**changes: object) -> dict:
    now = int(time.time())
    claims: dict = {"sub": "42", "iss": ISSUER, "iat": now, "exp": now + 600}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_issue_then_verify_round_trips_user_id(settings):
    token = issue_token(12345, settings)

    assert verify_token(token, settings) == 12345


def test_issue_token_claims_carry_subject_issuer_and_ttl(settings):
    token = issue_token(7, settings, now=1_700_000_000)

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "7"
    assert claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == settings.token_ttl_seconds
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_issue_token_twice_gives_distinct_tokens(settings):
    assert issue_token(1, settings, now=1_700_000_000) != issue_token(1, settings, now=1_700_000_000)


def test_verify_token_expired_raises_token_expired(settings):
    token = issue_token(1, settings, now=time.time() - settings.token_ttl_seconds - 60)

    with pytest.raises(TokenExpired):
        verify_token(token, settings)


def test_verify_token_signed_with_other_secret_raises_token_invalid(settings):
    other = load_settings(env={"JWT_SECRET": "another-secret-that-is-long-enough-0123456789"})
    forged = issue_token(1, other)

    with pytest.raises(TokenInvalid, match="signature"):
        verify_token(forged, settings)


def test_verify_token_with_tampered_payload_raises_token_invalid(settings):
    header, _, signature = issue_token(1, settings).split(".")
    payload = b64url(json.dumps(valid_claims(sub="2")).encode())

    with pytest.raises(TokenInvalid):
        verify_token(f"{header}.{payload}.{signature}", settings)


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b",
        "a.b.c",
        "",
        " ",
        "x" * 100_000,
        "....",
        "\u00ff\u4e2d.\x00.\ud7ff",
        b64url(b"[]") + "." + b64url(b"{}") + ".sig",
        b64url(b'{"alg":"HS256"}') + "." + b64url(b"[1,2]") + ".sig",
        b64url(b"not json") + "." + b64url(b"{}") + ".sig",
    ],
    ids=[
        "abc",
        "two-parts",
        "three-parts",
        "empty",
        "space",
        "long-garbage",
        "dots",
        "non-ascii",
        "header-array",
        "payload-array",
        "header-not-json",
    ],
)
def test_verify_token_malformed_raises_token_invalid(settings, token):
    with pytest.raises(TokenInvalid):
        verify_token(token, settings)


def test_verify_token_two_tokens_joined_with_space_raises_token_invalid(settings):
    # The Go seed's tokens looked like "<token> <token>"; a client still holding one must get a clean auth error.
    joined = f"{issue_token(1, settings)} {issue_token(2, settings)}"

    with pytest.raises(TokenInvalid):
        verify_token(joined, settings)


def test_verify_token_alg_none_raises_token_invalid(settings):
    unsigned = jwt.encode(valid_claims(), None, algorithm="none")

    with pytest.raises(TokenInvalid):
        verify_token(unsigned, settings)


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_verify_token_other_hmac_algorithm_raises_token_invalid(settings):
    with pytest.raises(TokenInvalid):
        verify_token(signed(valid_claims(), settings, algorithm="HS512"), settings)


@pytest.mark.parametrize(
    "changes",  # the claims are built when the test runs: built at collection, a slow suite saw them expire first
    [
        {"iss": "someone-else"},
        {"iss": None},
        {"exp": None},
        {"iat": None},
        {"sub": None},
        {"exp": "tomorrow"},
    ],
    ids=["wrong-issuer", "no-issuer", "no-exp", "no-iat", "no-sub", "exp-not-a-number"],
)
def test_verify_token_missing_or_wrong_claims_raise_token_invalid(settings, changes):
    with pytest.raises(TokenInvalid):
        verify_token(signed(valid_claims(**changes), settings), settings)


@pytest.mark.parametrize(
    "sub",
    ["abc", "0", "-1", "", "1.5", " 1", "1e3", "00", 42, None],
    ids=["letters", "zero", "negative", "empty", "decimal", "space", "exponent", "zeros", "int", "null"],
)
def test_verify_token_non_numeric_or_zero_subject_raises_token_invalid(settings, sub):
    claims = valid_claims()
    claims["sub"] = sub

    with pytest.raises(TokenInvalid):
        verify_token(signed(claims, settings), settings)


@pytest.mark.parametrize(
    "sub",
    [str(2**63), str(2**64), "9" * 20, "1" * 5000, "0" * 30 + "1"],
    ids=["int64-max-plus-one", "2^64", "twenty-nines", "5000-digits", "long-zero-padding"],
)
def test_verify_token_subject_outside_the_user_id_range_raises_token_invalid(settings, sub):
    with pytest.raises(TokenInvalid):
        verify_token(signed(valid_claims(sub=sub), settings), settings)


def test_verify_token_accepts_the_largest_user_id(settings):
    assert verify_token(signed(valid_claims(sub=str(2**63 - 1)), settings), settings) == 2**63 - 1


def test_verify_token_superscript_digit_subject_raises_token_invalid(settings):
    with pytest.raises(TokenInvalid):
        verify_token(signed(valid_claims(sub="\u00b2"), settings), settings)


def test_verify_token_with_short_secret_raises_configuration_error(settings):
    token = issue_token(1, settings)
    short = load_settings(env={"JWT_SECRET": "x" * 31})

    with pytest.raises(ConfigurationError, match="JWT_SECRET"):
        verify_token(token, short)


@pytest.mark.parametrize("secret", ["", "x" * 31, "密" * 10], ids=["empty", "31-ascii", "30-bytes-cjk"])
def test_issue_token_with_short_secret_raises_configuration_error(secret):
    short = load_settings(env={"JWT_SECRET": secret})

    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        issue_token(1, short)


def test_issue_token_secret_length_is_counted_in_bytes():
    # 11 CJK characters are 33 UTF-8 bytes: long enough even though they are only 11 characters.
    settings = load_settings(env={"JWT_SECRET": "密" * 11})

    assert verify_token(issue_token(3, settings), settings) == 3


def test_verify_token_reads_process_settings_when_none_given(process_settings):
    assert verify_token(issue_token(99)) == 99


# A warm instance remembers the tokens it verified ---------------------------------------------------------------


def test_a_token_seen_again_is_not_decoded_again(settings, monkeypatch):
    calls = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: calls.append(1) or decode(*args, **kwargs))
    token = issue_token(77, settings)

    assert [verify_token(token, settings) for _ in range(3)] == [77, 77, 77]
    assert len(calls) == 1


def test_a_remembered_token_still_expires(settings):
    issued = time.time()
    token = issue_token(8, settings, now=issued)
    assert verify_token(token, settings) == 8

    with pytest.raises(TokenExpired):
        verify_token(token, settings, now=issued + settings.token_ttl_seconds + 1)


def test_a_remembered_token_is_checked_again_after_the_secret_changes(settings):
    token = issue_token(9, settings)
    assert verify_token(token, settings) == 9
    rotated = load_settings(env={"JWT_SECRET": "a-rotated-secret-that-is-long-enough-0123456789"})

    with pytest.raises(TokenInvalid, match="signature"):
        verify_token(token, rotated)


def test_only_valid_tokens_are_remembered_and_only_the_newest(settings, monkeypatch):
    monkeypatch.setattr(tokens, "_verified", OrderedDict())
    monkeypatch.setattr(tokens, "_VERIFIED_MAX", 2)
    valid = [issue_token(user_id, settings) for user_id in (1, 2, 3)]
    for token in valid:
        verify_token(token, settings)
    with pytest.raises(TokenInvalid):
        verify_token(valid[0][:-2] + "xx", settings)

    assert list(tokens._verified) == valid[1:]
