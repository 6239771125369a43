"""The words metrics and spans may carry, checked again where they leave the process.

Every value the layers report is meant to be a word from a fixed vocabulary (server/observe.py).
This is the second check, at the exit: a value that is not such a word (it has an ``@``, a dot,
a space, a colon: an email, a token, a sentence from the license) becomes ``other``, and each
kind of word admits a bounded number of distinct values, so that an upstream answering with made
up error types cannot grow the number of time series without end.
"""

from __future__ import annotations

import re
import threading

WORD = re.compile(r"[a-z][a-z0-9_]{0,63}")
# An organization id (a UUID) or a digest; never an email (no "@", no dot).
LICENSE = re.compile(r"[A-Za-z0-9-]{1,64}")
OTHER = "other"


class Vocabulary:
    """Distinct values of one kind of word, at most ``limit`` of them (then ``other``)."""

    def __init__(self, limit: int, pattern: re.Pattern[str] = WORD) -> None:
        self.limit = limit
        self.pattern = pattern
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: object) -> str:
        text = str(value) if value is not None else ""
        if not self.pattern.fullmatch(text):
            return OTHER
        if text in self._seen:
            return text
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(text)
        return text


def status(value: object) -> str:
    """An HTTP status as its three digits, or what ended a request that got none."""
    if isinstance(value, int) and 100 <= value <= 599:
        return str(value)
    return "none"
