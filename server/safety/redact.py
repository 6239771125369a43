"""Keeping secrets out of everything the process writes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

REDACTED = "<redacted>"
SECRET_MARKER = "<secret hidden: set reveal_secrets = true in the policy to show it>"


def redact_keys(value: Any, keys: Iterable[str], marker: str = REDACTED) -> Any:
    """A copy of ``value`` with every dict entry whose key is in ``keys`` replaced."""
    keyset = frozenset(keys)
    if not keyset:
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (marker if k in keyset and v not in (None, "") else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)


_SYNTAX = frozenset(b'"\\[]{}, \t\r\n')


class Scrubber:
    """Replaces any known credential string in text; the last line of defence for outputs."""

    def __init__(self, secrets: Iterable[str] = (), marker: str = REDACTED) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self._marker = marker

    def add(self, *secrets: str) -> None:
        self._secrets = sorted({*self._secrets, *(s for s in secrets if s and len(s) >= 6)}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, self._marker)
        return text

    def decoded(self, value: Any, raw: bytes) -> Any:
        """``json`` for ``value`` parsed from the UTF-8 JSON bytes ``raw``: where they hold no credential
        and no escape (with none, every string parsed appears in them as is), the value holds none
        either and is not dumped again to look. A credential spelled with escapes, or JSON in another
        encoding, is looked for by ``json``."""
        secrets = [secret.encode() for secret in self._secrets]
        # A secret with JSON punctuation or spaces in it could match across the syntax of ``json``'s
        # dump and not in ``raw``'s: then always ``json``.
        if all(not _SYNTAX.intersection(secret) for secret in secrets) and json.detect_encoding(raw) == "utf-8" \
                and b"\\" not in raw and not any(secret in raw for secret in secrets):
            return value
        return self.json(value)

    def json(self, value: Any) -> Any:
        """``value`` (JSON data) with every credential string replaced; unchanged values are returned as is."""
        text = json.dumps(value, ensure_ascii=False)
        cleaned = self(text)
        if cleaned == text:
            return value
        try:
            return json.loads(cleaned)
        except ValueError:  # a secret spanning JSON syntax: keep nothing of that value
            return {"error": {"type": "internal", "message": "The response echoed the credential; it was withheld."}}
