"""References between plan steps: finding, checking, standing in for and filling them.

Pure functions over step bodies; what may be referenced where is declared in
server/tools/refs.py. A reference is ``{"$ref": "step<N>.<field>"}`` as a value, or the string
``"$ref:step<N>.<field>"`` as a mapping key.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..tools.refs import ACCEPTS, RETURNS, STAND_IN

REF = "$ref"
KEY_PREFIX = "$ref:"
_NAME = re.compile(r"step([1-9][0-9]{0,5})\.([a-z_]+)")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Ref:
    path: Path  # where it sits in the body (for a key: the mapping's path plus the key)
    pattern: str  # the path with list indexes as [] and mapping keys as {}
    name: str  # "step1.id"
    in_key: bool

    @property
    def step(self) -> int | None:
        m = _NAME.fullmatch(self.name)
        return int(m.group(1)) if m else None

    @property
    def field(self) -> str | None:
        m = _NAME.fullmatch(self.name)
        return m.group(2) if m else None


def placeholder(step: int, field: str) -> dict[str, str]:
    return {REF: f"step{step}.{field}"}


def returns(action: str, step: int) -> dict[str, dict[str, str]]:
    """What a planned step of ``action`` will create, as references a later step may use."""
    return {f: placeholder(step, f) for f in RETURNS.get(action, {})}


def _join(pattern: str, key: str) -> str:
    return f"{pattern}.{key}" if pattern else key


def find(body: Any) -> list[Ref]:
    """Every reference in a body, wherever it sits."""
    out: list[Ref] = []
    stack: list[tuple[Any, Path, str]] = [(body, (), "")]
    while stack:
        node, path, pattern = stack.pop()
        if isinstance(node, dict):
            if set(node) == {REF}:
                out.append(Ref(path, pattern, str(node[REF]), False))
                continue
            for k, v in node.items():
                if isinstance(k, str) and k.startswith(KEY_PREFIX):
                    out.append(Ref((*path, k), pattern + "{}", k[len(KEY_PREFIX):], True))
                    stack.append((v, (*path, k), pattern + "{}"))
                else:
                    stack.append((v, (*path, k), _join(pattern, str(k))))
        elif isinstance(node, list):
            stack.extend((v, (*path, i), pattern + "[]") for i, v in enumerate(node))
    return sorted(out, key=lambda r: [str(p) for p in r.path])


def problems(action: str, body: Any, step: int, earlier: Mapping[int, str]) -> list[str]:
    """Why the references of step ``step`` (``action``) are not acceptable; [] if they are.
    ``earlier`` maps step numbers to their actions; only those before ``step`` are read (one
    lookup per reference, so it may be the whole plan's)."""
    out = []
    accepts = ACCEPTS.get(action, {})
    for ref in find(body):
        where = ".".join(map(str, ref.path)) or "(body)"
        want = accepts.get(ref.pattern)
        if want is None:
            places = ", ".join(f"{p} ({t} id)" for p, t in accepts.items()) or "nowhere"
            out.append(f"{where}: {action} does not take a reference there (it takes them at: {places})")
            continue
        if ref.step is None:
            out.append(f"{where}: {ref.name!r} is not a reference; write {{\"$ref\": \"step<N>.<field>\"}}, "
                       "e.g. {\"$ref\": \"step1.id\"}")
            continue
        if ref.step >= step or ref.step not in earlier:
            out.append(f"{where}: {ref.name} is not an earlier step of this plan (this is step {step}); a step "
                       "may only use what an earlier step creates")
            continue
        made = RETURNS.get(earlier[ref.step], {}).get(ref.field or "")
        if made != want:
            what = f"a {made} id" if made else "nothing referenceable in its field " + repr(ref.field)
            out.append(f"{where}: {ref.name} is {earlier[ref.step]}, which gives {what}; {action} needs a {want} id here")
    return out


def _set(body: Any, path: Path, value: Any) -> None:
    node = body
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _rekey(body: Any, path: Path, new_key: str) -> None:
    node = body
    for p in path[:-1]:
        node = node[p]
    old = path[-1]
    node[new_key] = node.pop(old)


def stand_in(action: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[Ref]]:
    """A copy of ``body`` with each value reference replaced by a value of its type, for the
    input model to validate; keys stay (they are strings already). Returns the copy and the refs."""
    refs = find(body)
    out = copy.deepcopy(body)
    accepts = ACCEPTS.get(action, {})
    for ref in refs:
        if not ref.in_key:
            _set(out, ref.path, STAND_IN.get(accepts.get(ref.pattern, ""), "ref-stand-in"))
    return out, refs


def restore(payload: dict[str, Any], refs: list[Ref]) -> dict[str, Any]:
    """Put the references back where ``stand_in`` replaced them (the validated payload keeps
    the caller's paths: only nulls are dropped, and a reference is never null)."""
    for ref in refs:
        if not ref.in_key:
            _set(payload, ref.path, {REF: ref.name})
    return payload


def fill(body: dict[str, Any], results: dict[int, Any]) -> tuple[dict[str, Any], list[str]]:
    """``body`` with every reference replaced by the referenced step's actual result, and the
    names that cannot be filled (their step is not done, or its result lacks the field)."""
    refs = find(body)
    if not refs:
        return body, []
    out = copy.deepcopy(body)
    missing = []
    # Deepest first, so re-keying a mapping does not move a reference still to be filled.
    for ref in sorted(refs, key=lambda r: -len(r.path)):
        result = results.get(ref.step) if ref.step is not None else None
        value = result.get(ref.field) if isinstance(result, dict) else None
        if value is None:
            missing.append(ref.name)
            continue
        if ref.in_key:
            _rekey(out, ref.path, str(value))
        else:
            _set(out, ref.path, value)
    return out, sorted(set(missing))


def needs(body: Any) -> set[int]:
    """The step numbers a body refers to."""
    return {r.step for r in find(body) if r.step is not None}
