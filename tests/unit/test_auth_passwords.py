"""auth.passwords: Argon2id hashing and verification."""

from __future__ import annotations

from gophertok.auth.passwords import hash_password, needs_rehash, verify_password


def test_hash_password_produces_argon2id_hash_without_the_password():
    password_hash = hash_password("correct horse")

    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash


def test_verify_password_matching_password_is_true():
    assert verify_password(hash_password("s3cret!"), "s3cret!") is True


def test_verify_password_wrong_password_is_false():
    password_hash = hash_password("s3cret!")

    assert verify_password(password_hash, "s3cret?") is False
    assert verify_password(password_hash, "") is False


def test_verify_password_32_cjk_characters_has_no_72_byte_limit():
    # 32 CJK characters are 96 UTF-8 bytes; bcrypt would ignore everything after byte 72.
    password = "密码安全" * 8
    changed_last = password[:-1] + "码"
    password_hash = hash_password(password)

    assert len(password) == 32 and len(password.encode()) == 96
    assert verify_password(password_hash, password) is True
    assert verify_password(password_hash, changed_last) is False


def test_verify_password_without_hash_is_false():
    assert verify_password(None, "any password") is False


def test_verify_password_without_hash_is_false_even_for_the_dummy_password():
    assert verify_password(None, "gophertok-timing-equaliser") is False


def test_verify_password_garbage_hash_is_false_not_an_error():
    assert verify_password("not-an-argon2-hash", "pw") is False


def test_hash_password_same_password_twice_gives_different_salted_hashes():
    first, second = hash_password("same password"), hash_password("same password")

    assert first != second
    assert verify_password(first, "same password") and verify_password(second, "same password")


def test_needs_rehash_is_false_for_a_fresh_hash():
    assert needs_rehash(hash_password("pw")) is False
