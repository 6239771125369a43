"""A tool's answer (``ToolResult``), and the answers every path gives in the same words: an
error, a refusal by the policy, arguments a model refuses, a plan the store could not keep.

The bottom of the call path: the pipeline, confirmations, objects, meta tools and doors all
answer with these, so a refusal reads the same whichever door a call came in by.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from ..plans.working import PlanBusy
from ..policies import Decision
from ..policies.audience import Refusal, refusal_error
from ..safety.untrusted import label, may_need_cleaning, sanitize
from ..tools import Action
from ..tools.validation import field_errors, summary


@dataclass
class ToolResult:
    """A tool's answer: JSON text for every client, structured content where it is an object.

    Every answer reaches the model through ``text`` and ``structured``, so this is the one place
    license text is made safe to read (server/safety/untrusted.py): an answer that may carry it
    (``untrusted``, the default) is sanitized and its text labelled as data. Only answers known
    to be the server's own words, or the caller's own input, say ``untrusted=False``.
    ``data`` itself stays as LiveChat sent it (the CLI and plans use it)."""

    data: Any
    is_error: bool = False
    audited: bool = False  # the pipeline already wrote this call's audit line
    untrusted: bool = True  # may hold text written by others: names, greetings, LiveChat's messages
    # False when the data labels itself in a fixed shape (search/fetch: ChatGPT reads plain JSON)
    boundary: bool = True
    # A refusal's rule, for callers that report it per request (an applied plan's steps).
    rule: str | None = None

    @cached_property
    def _dumped(self) -> str:
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)

    @cached_property
    def shown(self) -> Any:
        """``data`` as the model may see it (sanitized once: ``text`` and ``structured`` both use it).
        The JSON text the answer is sent as is scanned once; only data holding something to clean
        is walked and dumped again (sanitizing and labelling in one pass for a clean answer)."""
        if not self.untrusted or not may_need_cleaning(self._dumped):
            return self.data
        return sanitize(self.data)

    @property
    def text(self) -> str:
        shown = self.shown
        text = self._dumped if shown is self.data else json.dumps(shown, separators=(",", ":"), ensure_ascii=False)
        return label(text) if self.untrusted and self.boundary else text

    @property
    def structured(self) -> dict[str, Any] | None:
        if self.is_error:
            return None
        shown = self.shown
        if isinstance(shown, dict):
            return shown
        return {"items": shown}


def verdict(result: ToolResult) -> tuple[str, str]:
    """(decision, outcome) of a call, read from its answer, for metrics and traces: the decision is
    ``refused``, ``planned``, ``declined`` (a person said no) or ``allowed``; the outcome ``ok`` or
    the error's type (the server's own word, or LiveChat's error type), ``error`` without one."""
    data = result.data if isinstance(result.data, dict) else {}
    error = data.get("error") if isinstance(data.get("error"), dict) else None
    kind = error.get("type") if error is not None and isinstance(error.get("type"), str) else None
    if kind in ("refused", "declined"):
        return kind, kind
    if data.get("planned") is True:
        return "planned", "ok"
    if not result.is_error:
        return "allowed", "ok"
    return "allowed", kind or "error"


def error_result(type: str, message: str, *, untrusted: bool = False, **extra: Any) -> ToolResult:
    """An error in the server's own words; ``untrusted`` when it quotes LiveChat or license text."""
    return ToolResult({"error": {"type": type, "message": message, **extra}}, is_error=True, untrusted=untrusted)


def plan_store_failed(exc: Exception) -> ToolResult:
    """A planned call whose plan could not be read or saved: nothing was added, try again."""
    why = ("another call on this plan has held it for over a minute" if isinstance(exc, PlanBusy)
           else f"the state store did not answer ({exc})")
    return error_result(
        "store_unavailable", f"Not planned: {why}. Nothing was added to the plan and nothing was sent.",
        retryable=True,
        what_to_do="Retry in a few seconds; if it persists, the operator should check the state store "
        "(--store / LIVECHAT_MCP_STORE; /readyz on an HTTP server says whether it answers).",
    )


def store_failed() -> ToolResult:
    """A call that needed the state store (a confirmation's sealed state, its spent nonce, the
    request budget) when it did not answer: nothing was sent, retry. The store's address and
    error are the operator's (the server's log, /readyz, metrics), not the caller's."""
    return error_result(
        "store_unavailable", "The state store did not answer, so this call could not be checked. Nothing was sent.",
        retryable=True,
        what_to_do="Retry in a few seconds; if it persists, the operator should check the state store "
        "(--store / LIVECHAT_MCP_STORE; /readyz on an HTTP server says whether it answers).",
    )


def invalid_arguments(tool: str, exc: ValidationError, arguments: Any) -> ToolResult:
    """The one answer every tool, action or meta, gives to arguments its model refuses."""
    errors = field_errors(exc, arguments)
    return error_result(
        "validation",
        f"Invalid arguments for {tool}: {summary(errors)}. Nothing was sent.",
        fields=errors,
        what_to_do="Fix the named fields (see the tool's input schema) and call again.",
    )


def refusal(act: Action, decision: Decision) -> ToolResult:
    """The one refusal every path gives for an action the policy refuses: every rule that refuses
    it, and one fix for all of them in the words of whoever reads it (server/policies/audience.py)."""
    return refused_result(f"{act.name} is refused by the policy: {decision.reason}. Nothing was sent.",
                          decision.refusals or (Refusal(decision.rule, decision.reason),), decision.fix)


def refused_result(message: str, refusals: Sequence[Refusal], fix: str) -> ToolResult:
    """A refusal's answer: ``{"error": {type: refused, message, rule, rules?, how_to_allow}}``; the
    fix is the reader's (``policy.audience.fix(refusals)``)."""
    return ToolResult({"error": refusal_error(message, refusals, fix)}, is_error=True, untrusted=False)
