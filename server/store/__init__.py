"""Shared state (see ``base.py`` for the interface)."""

from .base import LockBusy, Store, StoreUnavailable

__all__ = ["LockBusy", "Store", "StoreUnavailable"]
