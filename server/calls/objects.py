"""The license's configuration objects as one addressable collection.

ChatGPT's search/fetch, and the ``livechat://`` resources, share one naming: an object id is
``<kind>:<key>`` (``agent:jane@example.com``, ``group:19``) and its URL is
``livechat://<collection>/<key>``, which resources/read answers. So every URL search returns
can be read back, and an id is stable for as long as the object exists (agent ids are emails
and never change; group, bot, webhook ... ids are LiveChat's own).

Objects are read through the pipeline, so the policy decides what is visible, and nothing is
cached: a search sees the license as it is now. This module sits below the pipeline (which reads
objects to put a confirmation's question): it names what it needs of it, ``ObjectSource``, and is
handed the pipeline.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote

import anyio

from ..policies import Decision
from ..tools import Action, catalog
from ..tools.listing import Listed, listing
from ..tools.words import ASKING, STOPWORDS, SYNONYMS, stem
from .answers import ToolResult

Obj = dict[str, Any]
# What a search found, best first, and the kinds it could not read (Objects.list shadows the builtin).
Found = tuple[list[dict[str, str]], list[Obj]]
MAX_PAGES = 20  # 2,000 greetings; a search beyond that would cost more of the quota than it is worth


@dataclass(frozen=True)
class Kind:
    name: str  # the id prefix: agent, group, ...
    collection: str  # the URL segment: agents, groups, ...
    list_action: str
    key: Callable[[Obj], str]
    title: Callable[[Obj], str]
    # A get_* action returning more than the list does; fetch and resources/read prefer it.
    get_action: str | None = None

    def id_of(self, obj: Obj) -> str:
        return f"{self.name}:{self.key(obj)}"

    def url_of(self, key: str) -> str:
        # Agent keys are emails: "@" stays readable, anything URL-unsafe is escaped.
        return f"livechat://{self.collection}/{quote(key, safe='@.+-_')}"


def _all_fields(action: str) -> list[str]:
    """Every value the action's ``fields`` enum allows, so a get returns the whole object."""

    def literals(tp: Any) -> list[str]:
        if typing.get_origin(tp) is typing.Literal:
            return [v for v in typing.get_args(tp) if isinstance(v, str)]
        # list[...], X | None, Annotated[...] (whose metadata args are not types: skipped)
        return [v for arg in typing.get_args(tp) for v in literals(arg)]

    return literals(catalog()[action].model.model_fields["fields"].annotation)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("agent", "agents", "list_agents", lambda o: str(o.get("id")),
             lambda o: f"Agent {o.get('name', '')} <{o.get('id')}>", get_action="get_agent"),
        Kind("group", "groups", "list_groups", lambda o: str(o.get("id")),
             lambda o: f"Group {o.get('id')}: {o.get('name', '')}", get_action="get_group"),
        Kind("bot", "bots", "list_bots", lambda o: str(o.get("id")),
             lambda o: f"Bot {o.get('name', '')} ({o.get('id')})", get_action="get_bot"),
        Kind("tag", "tags", "list_tags", lambda o: str(o.get("name")), lambda o: f"Tag {o.get('name')}"),
        Kind("webhook", "webhooks", "list_webhooks", lambda o: str(o.get("id")),
             lambda o: f"Webhook {o.get('action')} → {o.get('url')}"),
        Kind("auto_access", "auto_accesses", "list_auto_accesses", lambda o: str(o.get("id")),
             lambda o: f"Auto access {o.get('description') or o.get('id')}"),
        Kind("greeting", "greetings", "list_greetings", lambda o: str(o.get("id")),
             lambda o: f"Greeting {o.get('name') or o.get('id')}"),
        Kind("property", "properties", "list_properties", lambda o: str(o.get("_key")),
             lambda o: f"Property {o.get('_key')}"),
    )
}
BY_COLLECTION = {k.collection: k for k in KINDS.values()}


class ObjectError(Exception):
    """An object id or URL that names nothing readable; the message says why and what to do."""

    def __init__(self, type: str, message: str, *, untrusted: bool = False) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.untrusted = untrusted  # the message quotes LiveChat (an upstream error): label it


class ObjectSource(Protocol):
    """What objects are read through: the pipeline (server/calls/pipeline.py), which decides by
    the policy and calls the read actions."""

    def decide(self, act: Action | Listed) -> Decision: ...

    async def call(self, name: str, arguments: Any, *, session: str = ..., audit: bool = ...,
                   shape: bool = ...) -> ToolResult: ...


class Objects:
    def __init__(self, pipeline: ObjectSource, client_id: str | None) -> None:
        self.pipeline = pipeline
        self.client_id = client_id  # list_webhooks needs it; known only from a Bearer token

    # --- what the policy lets us read -----------------------------------------------------------

    def _allowed(self, action: str | None) -> bool:
        # The listing: tools/list asks this (search and fetch are listed when a list_* read is
        # allowed), and it must not import the resource modules (server/tools/listing.py).
        return action is not None and self.pipeline.decide(listing()[action]).allowed

    def readable_kinds(self) -> list[Kind]:
        # Every list_* action is a read, so an allowed one is sent, never planned.
        return [k for k in KINDS.values()
                if self._allowed(k.list_action) and (k.name != "webhook" or self.client_id)]

    def readable(self, kind: Kind) -> bool:
        return kind in self.readable_kinds() or self._allowed(kind.get_action)

    # --- reading -----------------------------------------------------------------------------

    async def _call(self, action: str, args: dict[str, Any], session: str) -> ToolResult:
        return await self.pipeline.call(action, args, session=session, audit=False, shape=False)

    async def list(self, kind: Kind, session: str) -> list[Obj]:
        args: dict[str, Any] = {"owner_client_id": self.client_id} if kind.name == "webhook" else {}
        result = await self._call(kind.list_action, args, session)
        if result.is_error:
            raise _error_of(result)
        data = result.data
        # Paginated lists (greetings: 100 a page) are followed to the end, within reason.
        pages = 1
        while isinstance(data, dict) and data.get("next_page_id") and pages < MAX_PAGES:
            more = await self._call(kind.list_action, {"page_id": data["next_page_id"]}, session)
            if more.is_error or not isinstance(more.data, dict):
                break
            pages += 1
            key = next((k for k, v in data.items() if isinstance(v, list)), None)
            if key is None:
                break
            data = {**more.data, key: [*data[key], *more.data.get(key, [])]}
        if kind.name == "property" and isinstance(data, dict):
            # list_properties answers {name: spec} for the requester's own namespace.
            return [{"_key": name, **(spec if isinstance(spec, dict) else {"value": spec})}
                    for name, spec in data.items()]
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [])
        return [o for o in data if isinstance(o, dict)] if isinstance(data, list) else []

    async def search(self, query: str, session: str, limit: int = 50) -> Found:
        """Matching objects, best first, and the kinds that could not be read (with why):
        a search must not pass off an upstream failure as "nothing found"."""
        # The words that carry meaning ("the", "all", "show me" do not), each matching itself or a
        # kind it names in other words ("team" a group, "chatbot" a bot: server/tools/words.py).
        words = [w for w in query.lower().split() if w not in STOPWORDS and w not in ASKING]
        kinds = self.readable_kinds()
        found: dict[str, list[Obj]] = {}
        failed: list[Obj] = []

        async def load(kind: Kind) -> None:
            try:
                found[kind.name] = await self.list(kind, session)
            except ObjectError as exc:
                found[kind.name] = []
                failed.append({"kind": kind.name, "type": exc.type, "message": exc.message})

        async with anyio.create_task_group() as tg:  # one round trip's latency, not eight
            for kind in kinds:
                tg.start_soon(load, kind)

        ranked: list[tuple[int, int, dict[str, str]]] = []
        for kind in kinds:
            for obj in found[kind.name]:
                title = kind.title(obj)
                text = json.dumps(obj, ensure_ascii=False).lower()
                if all(w in text or w in kind.name or _names(w, kind) for w in words):
                    # Objects whose title carries every word come first; otherwise catalogue order.
                    in_title = all(w in title.lower() for w in words)
                    key = kind.key(obj)
                    hit = {"id": kind.id_of(obj), "title": title, "url": kind.url_of(key)}
                    ranked.append((0 if in_title else 1, len(ranked), hit))
        return [hit for *_, hit in sorted(ranked, key=lambda r: (r[0], r[1]))][:limit], failed

    def parse_id(self, oid: str) -> tuple[Kind, str]:
        name, sep, key = oid.partition(":")
        kind = KINDS.get(name)
        if not sep or kind is None or not key:
            raise ObjectError(
                "validation",
                f"id {oid!r} is not of the form kind:key (kind one of {', '.join(KINDS)}), e.g. agent:jane@example.com",
            )
        return kind, key

    def parse_url(self, uri: str) -> tuple[Kind, str]:
        prefix = "livechat://"
        collection, _, key = uri[len(prefix):].partition("/") if uri.startswith(prefix) else ("", "", "")
        kind = BY_COLLECTION.get(collection)
        if kind is None or not key:
            raise ObjectError("not_found", f"Unknown resource {uri}: expected livechat://<collection>/<id> with "
                               f"collection one of {', '.join(BY_COLLECTION)}, or livechat://policy")
        return kind, unquote(key)

    async def get(self, kind: Kind, key: str, session: str) -> Obj:
        """The whole object: its get_* action with every field where there is one, else the list entry."""
        if kind.name == "webhook" and not self.client_id and self._allowed(kind.list_action):
            raise ObjectError("unavailable", "webhooks are listed per owner client id, which only a Bearer token "
                              "tells this server: call list_webhooks with owner_client_id instead")
        if not self.readable(kind):
            raise ObjectError("refused", f"reading {kind.collection} is refused by the policy "
                               f"({kind.get_action or kind.list_action}); see livechat://policy")
        if self._allowed(kind.get_action):
            assert kind.get_action is not None
            ident: Any = key
            if kind.name == "group":
                if not (key.isascii() and key.isdigit()):  # "²".isdigit() is true, int("²") fails
                    raise ObjectError("validation", f"group ids are numbers, got {key!r}")
                ident = int(key)
            args: dict[str, Any] = {"id": ident}
            if fields := _all_fields(kind.get_action):
                args["fields"] = fields
            result = await self._call(kind.get_action, args, session)
            if result.is_error:
                raise _error_of(result)
            return result.data if isinstance(result.data, dict) else {"value": result.data}
        for obj in await self.list(kind, session):
            if kind.key(obj) == key:
                return obj
        raise ObjectError("not_found", f"{kind.name}:{key} not found: use search to find ids")


def _names(word: str, kind: Kind) -> bool:
    """Whether ``word`` names ``kind`` in other words: a synonym of its name or collection."""
    meant = SYNONYMS.get(word, ()) + SYNONYMS.get(stem(word), ())
    return kind.name in meant or kind.collection in meant or stem(kind.name) in {stem(m) for m in meant}


def _error_of(result: ToolResult) -> ObjectError:
    error = result.data.get("error", {}) if isinstance(result.data, dict) else {}
    return ObjectError(str(error.get("type", "error")), str(error.get("message", result.data)), untrusted=True)
