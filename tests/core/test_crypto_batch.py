"""`crypto.encrypt_many`: Fernet tokens built with the cryptography primitives, read back
by the library's own Fernet and MultiFernet."""

from __future__ import annotations

import base64
import time

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from weserve.core import crypto

# Every length from empty to past three AES blocks, multi-byte characters included.
VALUES = ["", "+60123456789", "x" * 15, "y" * 16, "z" * 17, "é" * 20, "0123-456 789" * 5]
VALUES += ["".join(chr(0x30 + (i * 7 + n) % 60) for n in range(i)) for i in range(50)]


def test_the_library_decrypts_every_batch_token_to_its_value():
    before = int(time.time())
    tokens = crypto.encrypt_many(VALUES)
    key = crypto._raw_keys()[0]
    fernet = Fernet(key.encode())
    assert [fernet.decrypt(t.encode()).decode() for t in tokens] == VALUES
    assert [crypto.decrypt(t) for t in tokens] == VALUES  # MultiFernet, as the fields read
    stamps = {fernet.extract_timestamp(t.encode()) for t in tokens}
    assert len(stamps) == 1 and before <= stamps.pop() <= int(time.time())


def test_equal_values_get_different_tokens_and_a_wrong_key_reads_none():
    tokens = crypto.encrypt_many(["+60123456789"] * 3)
    assert len(set(tokens)) == 3  # a fresh IV for each, as Fernet's own encrypt
    ivs = {base64.urlsafe_b64decode(t)[9:25] for t in tokens}
    assert len(ivs) == 3
    other = MultiFernet([Fernet(Fernet.generate_key())])
    for token in tokens:
        try:
            other.decrypt(token.encode())
        except InvalidToken:
            continue
        raise AssertionError("a token read with another key")


def test_a_batch_uses_the_newest_key_after_a_rotation(monkeypatch):
    old_key = crypto._raw_keys()[0]
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("WESERVE_DATA_KEY", f"{new_key},{old_key}")
    crypto.reset_cache()
    try:
        (token,) = crypto.encrypt_many(["+60198765432"])
        assert Fernet(new_key.encode()).decrypt(token.encode()) == b"+60198765432"
        assert crypto.decrypt(token) == "+60198765432"
    finally:
        monkeypatch.undo()
        crypto.reset_cache()


def test_an_empty_batch():
    assert crypto.encrypt_many([]) == []
