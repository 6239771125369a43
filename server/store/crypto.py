"""Sealing secrets before they are stored (AES-256-GCM from ``cryptography``).

The key is never kept in the store it protects: it comes from ``LIVECHAT_MCP_STORE_KEY``
(32 bytes, base64), or the file named by ``LIVECHAT_MCP_STORE_KEY_FILE``, else a key file in
the user's state directory, created once with mode 0600. Replicas sharing a Redis store must
be given the same key (the environment variable or a mounted file).

Each sealed value is bound to a ``context`` (e.g. ``b"oauth.tokens:<id>"``) as associated data,
so a sealed blob copied to another key does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import StoreUnavailable
from .paths import state_dir

_VERSION = b"\x01"
KEY_FILE_NAME = "store.key"


class SealError(Exception):
    """A sealed value does not open with this key and context (tampered, or another key)."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ConfigError("the store key must be 32 bytes (base64 of 32 random bytes)")
        # Imported here: a stdio run against the sandbox or a memory:// store seals nothing, and
        # cryptography is a noticeable part of a cold start (bench/run.py).
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)

    def unseal(self, blob: bytes, *, context: bytes) -> bytes:
        if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
            raise SealError("not a sealed value")
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(blob[1:13], blob[13:], context)
        except InvalidTag:
            raise SealError("sealed value does not open (tampered, or sealed with another key)") from None


def _decode(text: str, where: str) -> bytes:
    plain = text.strip().replace("-", "+").replace("_", "/")  # standard or URL-safe alphabet
    try:
        key = base64.b64decode(plain + "=" * (-len(plain) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where} is not base64 (generate one: python -c \"import os,base64;"
                          f"print(base64.b64encode(os.urandom(32)).decode())\")") from None
    if len(key) != 32:
        raise ConfigError(f"{where} must decode to 32 bytes, not {len(key)}")
    return key


def load_sealer(env: Mapping[str, str] | None = None) -> Sealer:
    """The deployment's sealer; raises ConfigError (never prints the key) on a bad key."""
    env = os.environ if env is None else env
    inline = env.get("LIVECHAT_MCP_STORE_KEY", "").strip()
    if inline:
        return Sealer(_decode(inline, "LIVECHAT_MCP_STORE_KEY"))
    named = env.get("LIVECHAT_MCP_STORE_KEY_FILE", "").strip()
    if named:
        try:
            return Sealer(_decode(Path(named).read_text(), f"the key file {named}"))
        except OSError as exc:
            raise ConfigError(f"cannot read the key file {named}: {exc.strerror or exc}") from None
    path = state_dir(env) / KEY_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return Sealer(_decode(path.read_text(), f"the key file {path}"))
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    return Sealer(_decode(path.read_text(), f"the key file {path}"))


class SharedSecrets:
    """``Store.shared_secret`` for stores other processes can read: the random key is stored
    sealed with the deployment's store key (a key in the store is a secret at rest), created
    once with ``put_if_absent`` so concurrent first starts agree, and cached per process."""

    NS = "secrets"

    def __init__(self, load: Callable[[], Sealer]) -> None:
        self._load = load
        self._sealer: Sealer | None = None
        self._cache: dict[str, bytes] = {}

    async def get(self, store: Any, name: str) -> bytes:
        if name in self._cache:
            return self._cache[name]
        if self._sealer is None:
            self._sealer = self._load()
        context = f"secret:{name}".encode()
        await store.put_if_absent(self.NS, name, self._sealer.seal(os.urandom(32), context=context))
        blob = await store.get(self.NS, name)
        if blob is None:  # deleted between the two calls: an operator wiping the store
            raise StoreUnavailable(f"the shared secret {name!r} vanished from the store; retry")
        try:
            key = self._sealer.unseal(blob, context=context)
        except SealError:
            raise SealError(
                f"the shared secret {name!r} in the store was sealed with another store key: every process "
                "and replica using one store must be given the same LIVECHAT_MCP_STORE_KEY (or key file)"
            ) from None
        self._cache[name] = key
        return key
