"""The data key: encrypts personal data at rest (Fernet) and keys its look-up hashes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class MissingDataKey(ImproperlyConfigured):
    pass


def data_key_available() -> bool:
    return bool(os.environ.get("WESERVE_DATA_KEY", "").strip()) or settings.DATA_KEY_FILE.exists()


def _raw_keys() -> list[str]:
    """Keys, newest first. WESERVE_DATA_KEY may list several, comma-separated, to rotate."""
    raw = os.environ.get("WESERVE_DATA_KEY", "").strip()
    if not raw and settings.DATA_KEY_FILE.exists():
        raw = settings.DATA_KEY_FILE.read_text().strip()
    if not raw:
        raise MissingDataKey(
            "No data key: set WESERVE_DATA_KEY or run `weserve demo` to create var/data.key."
        )
    return [k.strip() for k in raw.split(",") if k.strip()]


@functools.cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in _raw_keys()])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("WESERVE_DATA_KEY is not a valid Fernet key") from exc


@functools.cache
def _hash_keys() -> tuple[bytes, ...]:
    # Look-up hashes use keys derived from the data keys, never the keys themselves.
    # New hashes use the newest; look-ups also try the older ones, so that rows written
    # before a key rotation stay findable until they are re-saved.
    return tuple(
        hashlib.sha256(b"weserve-lookup-hash:" + key.encode()).digest() for key in _raw_keys()
    )


def reset_cache() -> None:
    _fernet.cache_clear()
    _hash_keys.cache_clear()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def ensure_data_key_file() -> bool:
    """Write var/data.key if neither the environment nor var/ holds a key. True if written."""
    if data_key_available():
        return False
    settings.DATA_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    settings.DATA_KEY_FILE.write_text(generate_key())
    settings.DATA_KEY_FILE.chmod(0o600)
    reset_cache()
    return True


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("Personal data cannot be decrypted with this data key") from exc


def _keyed_hash(key: bytes, normalised: str) -> str:
    digest = hmac.new(key, normalised.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()


def lookup_hash(normalised: str) -> str:
    """A keyed hash for exact look-up without decrypting every row (newest key)."""
    return _keyed_hash(_hash_keys()[0], normalised)


def lookup_hashes(normalised: str) -> list[str]:
    """The value's look-up hash under every configured key, newest first (for searching)."""
    return [_keyed_hash(key, normalised) for key in _hash_keys()]
