"""Asking the person before a risky call is sent (the policy's ``confirm`` key).

The policy engine decides *whether* to ask (a ``confirm`` decision); this module asks. The
question names the action and the object as it is now, read first through the pipeline's read
tools ("Delete agent jane@example.com, "Jane Doe", member of Sales and Support? This cannot be
undone."). A destructive call asks the person to type the object's id, so a reflexive "yes"
is not enough.

Two protocol generations, one question:

- up to 2025-11-25 (``LegacyAsker``): a server-initiated ``elicitation/create`` (form mode),
  answered while the tools/call waits;
- 2026-07-28 (``RoundsAsker``): the tools/call answers ``input_required`` with the same form
  as an embedded input request and a request state; the client asks the person and calls again
  with the answer. The state is sealed by the SDK's ``RequestStateBoundary`` under a key from
  the state store (``shared_secret``), so any replica can resume the call; it names the
  question it answers (a digest), and its nonce is spent in the store, so one yes sends once.

Anything but a yes (decline, cancel, a wrongly typed id, a client error) sends nothing.
Names and other license text in the question are cleaned (server/safety/untrusted.py) and cut short:
an agent's name cannot hide text from the person or pose as a second question.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import mcp_types as types
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from ..policies import PolicyContext
from ..policies.audience import Change, Refusal
from ..safety.untrusted import clean
from ..store import StoreUnavailable
from ..tools import Action, catalog
from .answers import ToolResult, error_result, refused_result, store_failed
from .audit import AuditLog
from .objects import KINDS, ObjectError, Objects, ObjectSource

if TYPE_CHECKING:
    from ..store import Store

Answer = Literal["accept", "decline", "cancel", "wrong_id"]
INPUT_KEY = "confirm"
STATE_NS = "confirm-rounds"
STATE_TTL = 900.0  # seconds a spent nonce is remembered: longer than the sealed state lives (600 s)
REQUEST_STATE_SECRET = "request-state"
MAX_QUOTED = 80
MAX_LISTED = 10

log = logging.getLogger("livechat_mcp")

# What cannot be undone, per destructive action; the default for the rest is "This cannot be undone."
CONSEQUENCES = {
    # Not "cannot sign in": the reference lets a suspended agent ask to be unsuspended (request_agent_unsuspension).
    "suspend_agent": "A suspended agent cannot use LiveChat until unsuspended; they can only ask the owners to "
                     "unsuspend them.",
    "reset_bot_secret": "The bot's current secret stops working at once.",
    "reset_bot_template_secret": "The template's current secret stops working at once.",
    "disable_license_webhooks": "License webhooks stop firing until enabled again.",
    "publish_property": "A published property cannot be unpublished.",
}
UNDOABLE = "This cannot be undone."

# The object a single action acts on: (kind in server/calls/objects.py, the argument holding its key).
_TARGET = {
    "agents": ("agent", "id"),
    "groups": ("group", "id"),
    "bots": ("bot", "id"),
    "webhooks": ("webhook", "id"),
    "auto_access": ("auto_access", "id"),
    "greetings": ("greeting", "id"),
    "tags": ("tag", "name"),
}
_NOT_AN_OBJECT_READ = ("create_", "add_", "register_", "batch_", "issue_", "request_", "reactivate_")


def plain(text: Any) -> str:
    """License text with visible characters only, on one line, cut short."""
    one_line = " ".join(clean(str(text)).split())
    return one_line if len(one_line) <= MAX_QUOTED else one_line[: MAX_QUOTED - 1] + "…"


def quoted(text: Any) -> str:
    """A name as the question shows it: :func:`plain`, inside double quotes it cannot close (a
    quote or backslash in it is escaped, as in JSON): a group named ``Sales"? Also delete ...``
    stays one quoted name, never a sentence of the question's own."""
    return json.dumps(plain(text), ensure_ascii=False)


_TOKEN = re.compile(r"[\w@.+:/-]+")


def shown(key: Any) -> str:
    """An id or key as the question shows it: bare when it is one word of id characters
    (jane@example.com, 42), else quoted like a name."""
    text = plain(key)
    return text if _TOKEN.fullmatch(text) else quoted(key)


@dataclass(frozen=True)
class Question:
    action: str
    message: str
    expect: str | None = None  # what the person must type (destructive calls)

    @property
    def key(self) -> str:
        """Which question a 2026-07-28 answer belongs to: the object read anew must still match."""
        return hashlib.sha256(f"{self.action}\n{self.message}\n{self.expect}".encode()).hexdigest()[:32]

    def schema(self) -> dict[str, Any]:
        if self.expect is not None:
            return {
                "type": "object",
                "properties": {"confirm_id": {"type": "string", "title": f"Type {shown(self.expect)} to confirm",
                                              "description": "Anything else cancels the call."}},
                "required": ["confirm_id"],
            }
        return {
            "type": "object",
            "properties": {"confirm": {"type": "boolean", "title": "Send this change", "default": False}},
            "required": ["confirm"],
        }

    def judge(self, action: str, content: Mapping[str, Any] | None) -> Answer:
        if action != "accept":
            return "cancel" if action == "cancel" else "decline"
        content = content or {}
        if self.expect is not None:
            typed = content.get("confirm_id")
            # as shown: a quoted key may be typed with its quotes or without
            return "accept" if isinstance(typed, str) and typed.strip() in (self.expect, shown(self.expect)) \
                else "wrong_id"
        return "accept" if content.get("confirm") is True else "decline"

    def request(self) -> types.ElicitRequest:
        return types.ElicitRequest(params=types.ElicitRequestFormParams(message=self.message,
                                                                        requested_schema=self.schema()))


class NeedInput(Exception):
    """A 2026-07-28 call must return ``input_required`` now and resume when the client calls again."""

    def __init__(self, result: types.InputRequiredResult) -> None:
        super().__init__("input required")
        self.result = result


class Asker(Protocol):
    @property
    def can_ask(self) -> bool: ...

    async def ask(self, question: Question) -> Answer: ...


def _form_capable(capabilities: Any) -> bool:
    elicitation = getattr(capabilities, "elicitation", None)
    if elicitation is None:
        return False
    # An empty elicitation capability means form mode (the spec's backwards-compatible reading).
    return getattr(elicitation, "form", None) is not None or getattr(elicitation, "url", None) is None


class LegacyAsker:
    """Protocol up to 2025-11-25: ask with a server-initiated elicitation while the call waits."""

    def __init__(self, session: Any, related_request_id: Any = None) -> None:
        self.session = session
        self.related_request_id = related_request_id

    @property
    def can_ask(self) -> bool:
        # Stateless HTTP has no channel for a server-initiated request: that client cannot be asked.
        return _form_capable(getattr(self.session, "client_capabilities", None)) and \
            bool(getattr(self.session, "can_send_request", True))

    async def ask(self, question: Question) -> Answer:
        try:
            result = await self.session.elicit_form(question.message, question.schema(),
                                                    related_request_id=self.related_request_id)
        except Exception as exc:  # a client that fails to ask has not said yes
            log.warning("confirmation for %s failed: %s", question.action, type(exc).__name__)
            return "cancel"
        return question.judge(result.action, result.content)


class RoundsAsker:
    """Protocol 2026-07-28: ``input_required`` rounds; the sealed state says which question was asked."""

    def __init__(self, capabilities: Any, params: Any, store: Store) -> None:
        self.capabilities = capabilities
        self.state: str | None = getattr(params, "request_state", None)  # unsealed by the boundary
        self.responses: Mapping[str, Any] = getattr(params, "input_responses", None) or {}
        self.store = store

    @property
    def can_ask(self) -> bool:
        return _form_capable(self.capabilities)

    async def ask(self, question: Question) -> Answer:
        answer = self.responses.get(INPUT_KEY)
        state = _parse_state(self.state)
        if answer is not None and state is not None and state.get("q") == question.key:
            # One yes sends once: a replayed retry (same sealed state) is asked again.
            if await self.store.put_if_absent(STATE_NS, str(state.get("n")), b"1", ttl=STATE_TTL):
                return question.judge(getattr(answer, "action", ""), getattr(answer, "content", None))
        new_state = json.dumps({"n": secrets.token_urlsafe(16), "q": question.key})
        raise NeedInput(types.InputRequiredResult(input_requests={INPUT_KEY: question.request()},
                                                  request_state=new_state))


def _parse_state(state: str | None) -> dict[str, Any] | None:
    if not state:
        return None
    try:
        value = json.loads(state)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# --- the question -------------------------------------------------------------------------------


async def build_question(pipeline: ObjectSource, act: Action, body: Mapping[str, Any], session: str) -> Question:
    """The question for one call, the object read as it is now."""
    consequence = CONSEQUENCES.get(act.batch_of or act.name, UNDOABLE) if act.destructive else ""
    if act.batch_of:
        items = body.get("requests") or []
        ids = [shown(_key_of(act.batch_of, i)) if _key_of(act.batch_of, i) else "" for i in items
               if isinstance(i, Mapping)]
        listed = ", ".join(i for i in ids[:MAX_LISTED] if i) + (f" and {len(ids) - MAX_LISTED} more"
                                                               if len(ids) > MAX_LISTED else "")
        what = f"{act.title.removesuffix(' (batch)')}: {len(items)} ({listed})" if listed else \
            f"{act.title} ({len(items)} items)"
        expect = str(len(items)) if act.destructive else None
        return _question(act.name, what, consequence, expect, "the number of items")
    key = _key_of(act.name, body)
    described = await _describe(pipeline, act, body, key, session)
    expect = plain(key) if act.destructive and key else (act.name if act.destructive else None)
    return _question(act.name, f"{act.title} {described}", consequence, expect, "")


def _question(action: str, what: str, consequence: str, expect: str | None, expect_note: str) -> Question:
    parts = [f"{what}?"]
    if consequence:
        parts.append(consequence)
    if expect is not None:
        parts.append(f"Type {shown(expect)}{f' ({expect_note})' if expect_note else ''} to confirm.")
    else:
        parts.append("Nothing is sent unless you confirm.")
    return Question(action, " ".join(parts), expect)


def _key_of(action: str, body: Mapping[str, Any]) -> str:
    for field in ("id", "name", "agent_id", "bot_id", "group_id", "owner_client_id", "ip", "customer_id"):
        value = body.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return ""


async def _describe(pipeline: ObjectSource, act: Action, body: Mapping[str, Any], key: str, session: str) -> str:
    target = _TARGET.get(act.resource)
    if not key:
        return "(license-wide)"
    if target is None or target[1] not in body or act.name.startswith(_NOT_AN_OBJECT_READ) or "template" in act.name:
        return shown(key)
    kind = KINDS[target[0]]
    objects = Objects(pipeline, None)
    try:
        obj = await objects.get(kind, key, session)
    except ObjectError as exc:
        return f"{shown(key)} (could not read it now: {shown(exc.type)})"
    if kind.name == "agent":
        parts = [shown(key)]
        if obj.get("name"):
            parts.append(quoted(obj["name"]))
        groups = await _group_names(objects, obj.get("groups"), session)
        if groups:
            parts.append("member of " + _and(groups))
        return ", ".join(parts)
    if kind.name == "group":
        agents = obj.get("agent_priorities")
        count = f", {len(agents)} agent{'s' * (len(agents) != 1)}" if isinstance(agents, dict) else ""
        return f'{shown(key)}, {quoted(obj.get("name", ""))}{count}'
    return f"{shown(key)}, {quoted(kind.title(obj))}"


async def _group_names(objects: Any, groups: Any, session: str) -> list[str]:
    if not isinstance(groups, list) or not groups:
        return []
    ids = [str(g.get("id")) for g in groups if isinstance(g, Mapping)]
    try:
        listed = {str(g.get("id")): g.get("name") for g in await objects.list(KINDS["group"], session)}
    except Exception:  # the names are a courtesy; the question stands without them
        listed = {}
    return [quoted(listed[i]) if listed.get(i) else f"group {shown(i)}" for i in ids[:MAX_LISTED]]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plan_question(steps: list[Mapping[str, Any]]) -> Question:
    """Applying a plan asks once, with its summary; typing the step count guards destructive ones."""
    counts: dict[str, int] = {}
    destructive = 0
    for step in steps:
        act = catalog().get(str(step.get("action")))
        name = (act.batch_of or act.name) if act else shown(step.get("action"))
        counts[name] = counts.get(name, 0) + 1
        destructive += 1 if act is not None and act.destructive else 0
    total = len(steps)
    listed = ", ".join(f"{name} ×{n}" for name, n in list(counts.items())[:MAX_LISTED])
    more = f" and {len(counts) - MAX_LISTED} more actions" if len(counts) > MAX_LISTED else ""
    what = f"Apply this plan: {total} step{'s' * (total != 1)} ({listed}{more})"
    consequence = f"{destructive} step{'s are' if destructive != 1 else ' is'} destructive. {UNDOABLE}" \
        if destructive else ""
    return _question("apply_plan", what, consequence, str(total) if destructive else None, "the number of steps")


def _plan_steps(doc: Any) -> list[Mapping[str, Any]] | None:
    """The plan's steps (what an edited plan is rebuilt from), else one per request item."""
    if not isinstance(doc, Mapping):
        return None
    steps = doc.get("steps")
    if isinstance(steps, list) and steps and all(isinstance(s, Mapping) for s in steps):
        return steps
    requests = doc.get("requests")
    if not isinstance(requests, list) or not all(isinstance(r, Mapping) for r in requests):
        return None
    out: list[Mapping[str, Any]] = []
    for req in requests:
        act = catalog().get(str(req.get("action")))
        numbers = req.get("steps") if isinstance(req.get("steps"), list) else [None]
        out += [{"action": (act.batch_of or act.name) if act else req.get("action")}] * len(numbers)
    return out


async def confirm_plan(policy: PolicyContext, audit: AuditLog | None, doc: Any, ask: Asker | None,
                       session: str) -> ToolResult | None:
    """apply_plan's one question, before anything is sent: None to go on, or the answer that stops it.
    ``policy`` and ``audit`` are the principal's. A document apply_plan would refuse as malformed is
    left to it (it says what is wrong)."""
    steps = _plan_steps(doc)
    if not steps:
        return None
    acts = [catalog().get(str(s.get("action"))) for s in steps]
    if not any(act is not None and policy.decide_applied(act).confirm for act in acts):
        return None
    if ask is None or not ask.can_ask:
        if audit is not None:
            audit.record(tool="apply_plan", decision="refused", rule="confirm", arguments={},
                         duration_ms=0.0, outcome={"error": "cannot_confirm"}, session=session)
        why = Refusal("confirm", "no one can be asked here", Change("elicitation", True, "apply_plan"))
        refused = refused_result(
            f"Applying this plan needs a person's confirmation under this policy (confirm = "
            f"\"{policy.policy.confirm}\"), and no one can be asked here (the MCP client does not "
            "support elicitation, or the CLI has no terminal). Nothing was sent.", [why], policy.audience.fix([why]))
        refused.audited = True
        return refused
    question = plan_question(steps)
    try:
        answer = await ask.ask(question)
    except NeedInput:  # a 2026-07-28 round: the question went to the client; the apply resumes later
        if audit is not None:
            audit.record(tool="apply_plan", decision="asked", rule="confirm", arguments={},
                         duration_ms=0.0, outcome={"input_required": True}, session=session)
        raise
    if answer == "accept":
        return None
    if audit is not None:
        audit.record(tool="apply_plan", decision="declined", rule="confirm", arguments={},
                     duration_ms=0.0, outcome={"answer": answer}, session=session)
    result = declined_result("apply_plan", answer)
    result.audited = True
    return result


def declined_result(tool: str, answer: Answer) -> ToolResult:
    why = {"decline": "the person declined", "cancel": "the person cancelled",
           "wrong_id": "the typed confirmation did not match"}.get(answer, "not confirmed")
    return error_result("declined", f"{tool} was not sent: {why}. Nothing was sent.", answer=answer,
                        what_to_do="Do not retry unless the person asks for it again.")


# --- wiring into the MCP server ---------------------------------------------------------------


class TerminalAsker:
    """The CLI's person is at the terminal: `livechat-mcp call`/`apply` ask there (stdin a TTY);
    without one the CLI has no one to ask, and a call that needs a yes is refused."""

    def __init__(self, stdin: Any = None, stderr: Any = None) -> None:
        import sys

        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr

    @property
    def can_ask(self) -> bool:
        return bool(getattr(self.stdin, "isatty", lambda: False)())

    async def ask(self, question: Question) -> Answer:
        import anyio

        prompt = f"Type {shown(question.expect)} to confirm: " if question.expect is not None else "Send it? [y/N] "
        print(question.message, file=self.stderr, flush=True)
        print(prompt, end="", file=self.stderr, flush=True)
        line = await anyio.to_thread.run_sync(self.stdin.readline)
        if not line:
            return "cancel"
        typed = line.strip()
        if question.expect is not None:
            return "accept" if typed in (question.expect, shown(question.expect)) else \
                ("decline" if not typed else "wrong_id")
        return "accept" if typed.lower() in ("y", "yes") else "decline"


def asker_for(ctx: Any, params: Any, store: Store) -> Asker:
    """The asker for this MCP request's protocol generation (the CLI has its own: TerminalAsker)."""
    session = getattr(ctx, "session", None)
    if getattr(ctx, "protocol_version", None) in MODERN_PROTOCOL_VERSIONS:
        return RoundsAsker(getattr(session, "client_capabilities", None), params, store)
    return LegacyAsker(session, getattr(ctx, "request_id", None))


class SharedStateBoundary:
    """The SDK's ``RequestStateBoundary`` under a key every replica shares (the store's
    ``shared_secret``), built on first use because fetching the key is asynchronous."""

    def __init__(self, store: Store, audience: str) -> None:
        from mcp_types.methods import INPUT_REQUIRED_METHODS  # loaded with the SDK's server, which builds this

        self.store = store
        self.audience = audience
        self._boundary: Any = None
        self._sealed = INPUT_REQUIRED_METHODS  # looked up once, not imported again per request

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        if getattr(ctx, "method", None) not in self._sealed:
            return await call_next(ctx)  # nothing to seal: the store is not asked
        if self._boundary is None:
            from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity

            try:
                key = await self.store.shared_secret(REQUEST_STATE_SECRET)
            except StoreUnavailable:
                # Outside any tool's handling (this wraps the request): answered here as every
                # call answers a store outage, not as an internal error.
                log.warning("request state: the state store did not answer (%s)", getattr(ctx, "method", ""))
                if ctx.method == "tools/call":
                    failed = store_failed()
                    return types.CallToolResult(content=[types.TextContent(type="text", text=failed.text)],
                                                structured_content=failed.structured, is_error=True)
                from mcp.shared.exceptions import MCPError
                from mcp_types import INTERNAL_ERROR

                raise MCPError(INTERNAL_ERROR, "store_unavailable: the state store did not answer; retry in a "
                               "few seconds") from None
            self._boundary = RequestStateBoundary(RequestStateSecurity(keys=[key], ttl=600.0),
                                                  default_audience=self.audience)
        return await self._boundary(ctx, call_next)
