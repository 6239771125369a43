"""Turn pydantic validation errors into one message that names each field and the fix."""

from __future__ import annotations

from pydantic import ValidationError


def _loc(loc: tuple[object, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # Union branches show up as model names in the location; they mean nothing to a caller.
            text = str(part)
            if text[:1].isupper() or text.startswith(("function-", "literal[")):
                continue
            out += ("." if out else "") + text
    return out or "(body)"


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False, include_input=False):
        field = _loc(tuple(err["loc"]))
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown field: remove it (check the spelling against the tool's input schema)"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            msg = err["msg"]
        if (field, msg) in seen:
            continue
        seen.add((field, msg))
        errors.append({"field": field, "error": msg})
    return errors


def describe_validation_error(exc: ValidationError) -> str:
    parts = [f"`{e['field']}`: {e['error']}" for e in field_errors(exc)]
    return "Invalid request: " + "; ".join(parts)
