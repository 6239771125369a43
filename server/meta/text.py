"""Objects as plain text: what fetch answers ChatGPT in its required string field."""

from __future__ import annotations

from typing import Any


def as_text(value: Any, indent: str = "") -> str:
    """An object as indented ``key: value`` lines (lists of scalars on one line, comma-separated)."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _flat(item):
                lines.append(f"{indent}{key}:")
                lines.append(as_text(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item and not _flat(item):
                body = as_text(item, indent + "  ")
                lines.append(f"{indent}- {body.lstrip()}")
            else:
                lines.append(f"{indent}- {_scalar(item)}")
    else:
        lines.append(f"{indent}{_scalar(value)}")
    return "\n".join(lines)


def _flat(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return "(none)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
