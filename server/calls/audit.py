"""The audit log: one JSON line per tool call, flushed per line.

Arguments are recorded through the tool's own input schema (``audited_arguments``): a value is
written only where the tool knows the field and the field is not a secret; an unknown or
misspelt key (``client_secrett``) is listed with its value redacted, at any depth (nested
models, batch items, call_action's arguments). Every line then passes the credential scrubber,
so an audit record can never carry a token, PAT or bot secret.

The catalogue's schemas are looked up here; a tool beyond it (a meta tool: server/meta/) is
recorded with its argument model passed in by whoever records the call (the MCP door), since
the audit sink sits below the meta tools and does not know them.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from ..errors import ConfigError
from ..safety.redact import REDACTED, Scrubber, redact_keys
from ..tools import catalog
from ..tools.schema import input_schema
from ..tools.types import secret_fields
from ..tools.validation import json_type

SECRET_ARGUMENT_KEYS = frozenset({"bot_secret", "secret_key", "secret", "token", "access_token", "password"})

_SECRET_WORDS = ("secret", "token", "passw", "apikey", "api_key", "credential", "private")

# Records of calls that are not tools: what each may show.
_OTHER_SCHEMAS: dict[str, dict[str, Any]] = {
    "resources/read": {"type": "object", "properties": {"uri": {"type": "string"}}, "additionalProperties": False},
}


def audited_arguments(tool: str, arguments: Any, model: type[BaseModel] | None = None) -> Any:
    """``arguments`` as an audit record may show them: see the module docstring. ``model``: the
    argument model of a tool beyond the catalogue (a meta tool).

    An unknown tool has no schema, so none of its values is shown (its keys are).
    """
    if tool == "apply_plan" and isinstance(arguments, dict):
        # The plan is audited request by request when applied; of the secrets, only the names.
        arguments = {k: v for k, v in arguments.items() if k != "plan"}
        if isinstance(arguments.get("secrets"), dict):
            arguments["secrets"] = sorted(arguments["secrets"])
        if isinstance(arguments.get("secrets"), list):
            names = [n for n in arguments["secrets"] if isinstance(n, str)]
            return {**_view(_schema_of(tool, model), {k: v for k, v in arguments.items() if k != "secrets"}),
                    "secrets": names}
    if tool == "call_action" and isinstance(arguments, dict):
        inner = arguments.get("name")
        view = _view(_schema_of(tool, model), {k: v for k, v in arguments.items() if k != "arguments"})
        if "arguments" in arguments:
            act = catalog().get(inner) if isinstance(inner, str) else None
            view["arguments"] = _view(_schema_of(act.name) if act else None, arguments["arguments"])
        return view
    return _view(_schema_of(tool, model), arguments)


def _schema_of(tool: str, model: type[BaseModel] | None = None) -> dict[str, Any] | None:
    if model is not None:
        return input_schema(model)
    act = catalog().get(tool)
    if act is not None:
        return input_schema(act.model)
    return _OTHER_SCHEMAS.get(tool)


def _secret_names() -> frozenset[str]:
    return SECRET_ARGUMENT_KEYS | {name for act in catalog().values() for name in secret_fields(act.model)}


def _view(schema: dict[str, Any] | None, value: Any) -> Any:
    if schema is None:
        # No schema: keep the shape (keys, list lengths), never a value.
        if isinstance(value, dict):
            return {k: _view(None, v) if isinstance(v, (dict, list)) else REDACTED for k, v in value.items()}
        if isinstance(value, list):
            return [_view(None, v) if isinstance(v, (dict, list)) else REDACTED for v in value]
        return REDACTED
    return _walk(schema, value, schema.get("$defs", {}), _secret_names())


def _resolve(node: Any, defs: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    return node if isinstance(node, dict) else {}


def _branch(node: dict[str, Any], value: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The union branch that describes ``value``: for an object, one that knows all its keys
    (else one keyed by data, like a per-weekday mapping); for anything else, the first of its kind."""
    branches = [_resolve(b, defs) for b in node.get("anyOf", node.get("oneOf", []))]
    if not branches:
        return node
    if isinstance(value, dict):
        objects = [b for b in branches if b.get("type") == "object" or "properties" in b]
        for b in objects:
            if set(value) <= set(b.get("properties", {})):
                return b
        return next((b for b in objects if isinstance(b.get("additionalProperties"), dict)), objects[0] if objects else {})
    if isinstance(value, list):
        return next((b for b in branches if b.get("type") == "array"), {})
    return {"anyOf": branches}


def _scalar_types(node: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    if "enum" in node:
        return {json_type(v) for v in node["enum"]}
    if "anyOf" in node:
        return set().union(*(_scalar_types(_resolve(b, defs), defs) for b in node["anyOf"]))
    kind = node.get("type")
    types = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    return types | ({"integer"} if "number" in types else set())


def _in_enum(node: dict[str, Any], value: Any, defs: dict[str, Any]) -> bool:
    """False for a value outside the field's enum (an enum field never holds free text)."""
    branches = [_resolve(b, defs) for b in node.get("anyOf", [])] or [node]
    return any("enum" not in b or value in b["enum"] for b in branches)


def _walk(node: Any, value: Any, defs: dict[str, Any], secrets: frozenset[str]) -> Any:
    node = _branch(_resolve(node, defs), value, defs)
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        out: dict[str, Any] = {}
        for key, sub in value.items():
            if key in secrets:
                out[key] = REDACTED if sub not in (None, "") else sub
            elif key in props:
                out[key] = _walk(props[key], sub, defs, secrets)
            elif isinstance(extra, dict) and extra:
                # A mapping keyed by data (emails, namespaces, property names): a key is not a
                # field name, so a value filed under a secret-sounding name is kept out too.
                secretish = any(word in str(key).lower() for word in _SECRET_WORDS)
                out[key] = REDACTED if secretish else _walk(extra, sub, defs, secrets)
            else:
                out[key] = REDACTED  # unknown, misspelt, or free-form: the key is listed, never the value
        return out
    if isinstance(value, list):
        items = node.get("items") if node.get("type") == "array" else None
        return [_walk(items, v, defs, secrets) if items else REDACTED for v in value]
    if json_type(value) in _scalar_types(node, defs) and _in_enum(node, value, defs):
        return value
    return REDACTED  # a value of a type the field does not take: it may be anything


class AuditLog:
    def __init__(self, target: str | Path | None, scrubber: Scrubber) -> None:
        self._scrub = scrubber
        self._lock = threading.Lock()
        if target is None or str(target) == "-" or str(target) == "stderr":
            self._stream: IO[str] = sys.stderr
            self._owned = False
        else:
            try:
                self._stream = open(target, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open until close())
            except OSError as exc:
                raise ConfigError(f"cannot open the audit log {target}: {exc.strerror or exc}") from None
            self._owned = True

    def record(
        self,
        *,
        tool: str,
        decision: str,
        rule: str,
        arguments: Any,
        duration_ms: float,
        outcome: dict[str, Any] | None = None,
        session: str | None = None,
        model: type[BaseModel] | None = None,
    ) -> None:
        """One line. ``model``: a meta tool's argument model (the catalogue's are looked up here)."""
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "tool": tool,
            "decision": decision,
            "rule": rule,
            "outcome": outcome or {},
            "duration_ms": round(duration_ms, 2),
            "arguments": redact_keys(audited_arguments(tool, arguments, model), SECRET_ARGUMENT_KEYS),
        }
        if session:
            line["session"] = session
        if self.who:
            line["principal"] = self.who
        text = self._scrub(json.dumps(line, default=str, separators=(",", ":")))
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()

    who: dict[str, Any] | None = None  # hosted mode: the person each line is about

    def for_principal(self, who: dict[str, Any], scrubber: Scrubber | None = None) -> AuditLog:
        """The same log (stream, lock) writing ``principal`` on every line, scrubbing that person's
        credential too; closing it is a no-op."""
        bound = copy.copy(self)
        bound.who = dict(who)
        if scrubber is not None:
            bound._scrub = scrubber
        bound._owned = False
        return bound

    def close(self) -> None:
        if self._owned:
            self._stream.close()
