"""A dict that remembers which keys were set or removed since it was last written, so that the
store log behind it (a working plan's ledger, an apply journal) appends those changes alone."""

from __future__ import annotations

from typing import Any


class Tracked(dict[Any, Any]):
    """``changed``: key -> set (True) or removed (False), in the order they last changed. Changed
    in a way this does not follow (update, setdefault, popitem, clear, |=), it is ``whole``: the
    next write rewrites it whole."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.changed: dict[Any, bool] = {}
        self.whole = False

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.changed.pop(key, None)
        self.changed[key] = True

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.changed.pop(key, None)
        self.changed[key] = False

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self.changed.pop(key, None)
            self.changed[key] = False
        return super().pop(key, *default)

    def written(self) -> None:
        """What it holds is what was just written (or read): nothing changed since."""
        self.changed.clear()
        self.whole = False

    def _untracked(self) -> None:
        self.whole = True

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._untracked()
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._untracked()
        return super().setdefault(key, default)

    def popitem(self) -> tuple[Any, Any]:
        self._untracked()
        return super().popitem()

    def clear(self) -> None:
        self._untracked()
        super().clear()

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]
        self._untracked()
        return super().__ior__(other)
