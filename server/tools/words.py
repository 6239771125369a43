"""How tools are found by the words people use: one vocabulary and one ranking for
search_actions, ChatGPT's search and the search hints lazy-loading clients read.

People ask in their words ("who am I", "working hours", "chat limit", "ban"), the API names
things in its own (whoami, work_scheduler, max_chats_count, customer bans). A request is read
as *units*: first the phrases of ``PHRASES`` (a phrase stands for the API's terms and its words
are used up: "chat limit" is max_chats_count, not the product's plan limits), then every other
word with its ``SYNONYMS``. Each tool is a ``Doc``: the words of its name, its resource, its
description (the reference's, condensed) and the reference's own sentence for it
(``server/tools/reference_words.py``), its field names and their descriptions. A unit scores by
where it matches (name > resource > fields > description > field descriptions) times how rare
the word is among the tools (IDF), so "agent" ranks less than "scheduler". A unit that names a
field ranks the action that *changes* it (update_*) above one that merely accepts it (create_*),
and both above reads. Batch variants rank below their single action unless the request speaks
of many ("at once", "bulk", "50 agents").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from . import Action, catalog
from .reference_words import INTROS
from .schema import input_schema

STOPWORDS = frozenset({
    "a", "an", "the", "to", "of", "for", "my", "me", "i", "im", "i'm", "am", "is", "are", "was", "be", "been",
    "can", "could", "do", "does", "did", "how", "what", "which", "who", "whom", "whose", "where", "when", "why", "please", "want",
    "wants", "need", "needs", "would", "like", "with", "from", "in", "on", "at", "by", "this", "that", "these",
    "those", "it", "its", "our", "we", "us", "you", "your", "some", "any", "and", "or", "into", "about", "there",
    "here", "so", "just", "should", "will", "shall", "has", "have", "had", "them", "they", "their", "there's",
    "currently", "now", "also", "still", "yet", "only"
})

# Words that ask for something rather than describe it: a search of objects skips them ("show me
# all labels" looks for tags, not for objects containing "show").
ASKING = frozenset({"show", "list", "find", "all", "every", "get", "look", "search", "display", "give", "see", "view"})

# Phrases that stand for the API's own terms. Keys are matched on stems (server/tools/words.py
# ``stem``), so "work hours" and "working hours" are one phrase. The words of a matched phrase are used up.
PHRASES: dict[str, tuple[str, ...]] = {
    # who and what this server is
    "who am i": ("whoami",), "which account": ("whoami",), "my account": ("whoami",), "my token": ("whoami",),
    "allowed to do": ("whoami",), "my permissions": ("whoami",), "my rights": ("whoami",),
    "what can i do": ("whoami",), "which scopes": ("whoami",),
    "planned changes": ("plan", "get_plan"), "changes i planned": ("plan", "get_plan"),
    "what arguments": ("describe", "schema"), "which arguments": ("describe", "schema"),
    "which parameters": ("describe", "schema"), "input schema": ("describe", "schema"),
    # agents
    "working hours": ("work_scheduler",), "work hours": ("work_scheduler",), "office hours": ("work_scheduler",),
    "business hours": ("work_scheduler",), "opening hours": ("work_scheduler",), "work schedule": ("work_scheduler",),
    "chat limit": ("max_chats_count",), "chats limit": ("max_chats_count",), "max chats": ("max_chats_count",),
    "concurrent chats": ("max_chats_count",), "chats at the same time": ("max_chats_count",),
    "chats at once": ("max_chats_count",), "more chats": ("max_chats_count",), "chat capacity": ("max_chats_count",),
    "job title": ("job_title",), "default status": ("login_status",), "login status": ("login_status",),
    "accepting chats": ("login_status",), "summary emails": ("email_subscriptions",),
    "summary email": ("email_subscriptions",), "email summaries": ("email_subscriptions",),
    "notification sounds": ("notifications",), "notification sound": ("notifications",),
    "waiting for approval": ("awaiting", "approval"), "pending approval": ("awaiting", "approval"),
    "email bounced": ("reactivate_email",), "bounced email": ("reactivate_email",),
    "back in": ("unsuspend",), "let me back": ("request_agent_unsuspension",),
    "left the company": ("delete",),
    # groups and routing
    "routing rule": ("auto_access",), "routing rules": ("auto_access",), "auto access": ("auto_access",),
    "send chats from": ("auto_access",), "route chats": ("auto_access",), "page url": ("auto_access", "url"),
    "to the top": ("next_id",), "to a group": ("agent_priorities", "groups"), "to group": ("agent_priorities", "groups"),
    "to the group": ("agent_priorities", "groups"), "into a group": ("agent_priorities", "groups"),
    # the rest
    "chat tag": ("tag",), "welcome message": ("greeting",), "bot secret": ("secret", "bot"),
    "custom property": ("property", "register"), "company address": ("company",), "company details": ("company",),
    "sign up": ("source",), "signed up": ("source",), "sign up from": ("source",), "came from": ("source",),
    "communication channels": ("channels",), "reach us": ("channels",),
    "when a chat starts": ("webhook", "incoming_chat"), "chat starts": ("webhook", "incoming_chat"),
    "chat ends": ("webhook", "chat_deactivated"), "chat is closed": ("webhook", "chat_deactivated"), "notify my server": ("webhook", "register"),
    "events to my url": ("webhook", "unregister"), "switched on": ("state", "enable"),
    # configuration as code
    "back up": ("backup", "export_config"), "as code": ("export_config", "config"),
    # many at once: batch variants
    "at once": ("batch",), "in one go": ("batch",), "in bulk": ("batch",), "all at once": ("batch",),
}

# Single words and the API's words for them (each word also matches itself and its stem).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "pending": ("awaiting", "approval", "approve"), "awaiting": ("approval", "approve"), "waiting": ("awaiting",),
    "invite": ("create", "invitation"), "invitation": ("create", "approve"), "onboard": ("create",),
    "hire": ("create",), "rename": ("update", "create", "delete"),
    "remove": ("delete", "unregister", "unban"), "delete": ("unregister",), "drop": ("delete",),
    "offboard": ("delete", "suspend"), "fire": ("delete", "suspend"), "left": ("delete",),
    "ban": ("banned", "unban", "customer_bans"), "banned": ("ban", "customer_bans"), "bans": ("customer_bans",),
    "block": ("suspend", "ban"), "temporarily": ("suspend",), "unblock": ("unban", "unsuspend"),
    "lift": ("unban", "unsuspend"),
    "disable": ("suspend", "disable"), "deactivate": ("suspend", "disable"), "pause": ("suspend", "disable"),
    "enable": ("unsuspend", "enable", "approve"), "activate": ("approve", "unsuspend", "enable", "reactivate"),
    "reactivate": ("unsuspend", "reactivate"),
    "add": ("create", "register"), "new": ("create", "register"), "make": ("create", "update"),
    "define": ("register", "create"), "put": ("update",),
    "edit": ("update",), "change": ("update",), "modify": ("update",), "set": ("update",), "move": ("update",),
    "increase": ("update",), "decrease": ("update",), "raise": ("update",), "lower": ("update",),
    "turn": ("update",), "stop": ("update", "disable", "unregister"), "off": ("active", "disable"),
    "mute": ("notifications",), "assign": ("update",), "available": ("update", "group_ids"),
    "show": ("list", "get"), "find": ("list", "get"), "read": ("list", "get"), "view": ("list", "get"),
    "see": ("list", "get"), "look": ("get",), "lookup": ("get",), "all": ("list",), "everyone": ("agent", "list"),
    "every": ("list",), "exist": ("list",),
    "user": ("agent",), "users": ("agent",), "operator": ("agent",), "staff": ("agent",), "employee": ("agent",),
    "someone": ("agent",), "person": ("agent",), "people": ("agent",), "colleague": ("agent",),
    "member": ("agent", "group", "agent_priorities"), "members": ("agent_priorities", "group"),
    "team": ("group", "agent"), "department": ("group",), "queue": ("group",),
    "routing": ("group", "auto_access", "priority"), "route": ("auto_access", "group"),
    "supervisor": ("agent_priorities", "priority"), "priority": ("agent_priorities",),
    "administrator": ("role",), "admin": ("role",), "owner": ("role",), "role": ("role",),
    "language": ("language_code",), "spanish": ("language_code", "group"), "german": ("geolocation", "group"),
    "visitor": ("customer",), "visitors": ("customer", "geolocation"), "country": ("geolocation",),
    "label": ("tag",), "labels": ("tag",), "campaign": ("greeting",), "popup": ("greeting",),
    "hook": ("webhook",), "callback": ("webhook",), "events": ("webhook",), "event": ("webhook",),
    "notify": ("webhook",), "url": ("webhook", "url"),
    "rule": ("auto_access", "greeting"), "rules": ("auto_access", "greeting"), "reorder": ("next_id", "update"),
    "secret": ("reset", "token", "secret"), "leaked": ("reset", "secret"), "rotate": ("reset",),
    "chatbot": ("bot",), "robot": ("bot",), "app": ("client", "owner_client_id", "template"),
    "application": ("client", "owner_client_id"),
    "seat": ("limit", "plan"), "seats": ("limit", "plan"), "downgrade": ("limit", "plan"),
    "upgrade": ("limit", "plan"), "invoice": ("company", "invoice_email"), "invoices": ("company", "invoice_name"),
    "address": ("street", "company"), "phone": ("mobile", "phone"), "billing": ("company",),
    "channel": ("channels",), "facebook": ("channels", "integration"), "website": ("channels", "code"),
    "property": ("property",), "public": ("publish",), "publish": ("publish",),
    "plan": ("plan",), "review": ("plan", "get_plan"), "planned": ("plan", "get_plan"),
    "apply": ("apply_plan",), "send": ("apply_plan", "send"), "execute": ("apply_plan", "call_action"),
    "discard": ("clear_plan",), "throw": ("clear_plan",), "clear": ("clear_plan",), "forget": ("clear_plan",),
    "arguments": ("describe", "schema"), "parameters": ("describe", "schema"), "schema": ("describe",),
    "run": ("call_action", "apply_plan"), "call": ("call_action",),
    "token": ("token", "whoami"), "credential": ("whoami",), "identity": ("whoami",),
    "bulk": ("batch",), "many": ("batch",), "several": ("batch",), "multiple": ("batch",), "mass": ("batch",),
    "export": ("export", "config"), "backup": ("export", "config", "backup"), "snapshot": ("export", "config"),
    "restore": ("unsuspend", "reactivate", "enable", "restore"), "staging": ("config", "diff"),
    "compare": ("diff",), "difference": ("diff",), "drift": ("diff",),
    "bounce": ("reactivate_email",), "bounced": ("reactivate_email",),
    "unsuspended": ("unsuspend", "request_agent_unsuspension"),
}


def stem(word: str) -> str:
    """A light stemmer: plurals, -ing, -ed and a final e, so "routes", "routing" and "route" are one."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "ches", "shes", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


_WORD = re.compile(r"[a-z0-9][a-z0-9_.'-]*")


def words(text: str) -> list[str]:
    """Lower-case words; a snake_case name stays whole (its parts are added by ``terms``)."""
    return [w.strip("'.-") for w in _WORD.findall(text.lower()) if w.strip("'.-")]


def terms(text: str) -> set[str]:
    """The stems a text is indexed by: each word, and the parts of snake_case names."""
    out: set[str] = set()
    for w in words(text):
        out.add(stem(w))
        if "_" in w:
            out.add(w)
            out.update(stem(p) for p in w.split("_") if p)
    return out


@dataclass(frozen=True)
class Unit:
    """One thing a request asks for: a phrase (its API terms) or a word (itself and its synonyms)."""

    text: str
    forms: tuple[str, ...]  # stems to look for, the word's own first
    phrase: bool = False


QUESTIONS = frozenset({"which", "who", "what", "whose", "where", "when", "are", "is", "does", "do", "how"})


@dataclass(frozen=True)
class Request:
    """A request as search reads it: its units, whether it is about many at once (batch variants
    first), and whether it is a question (reads first: "which agents are pending" lists them)."""

    units: list[Unit]
    many: bool = False
    question: bool = False


def read_request(query: str) -> Request:
    """The request's units (phrases first, then words with their synonyms)."""
    raw = words(query)
    stems = [stem(w) for w in raw]
    units: list[Unit] = []
    many = False
    i = 0
    phrases = _phrases()
    while i < len(raw):
        for size in (5, 4, 3, 2):
            key = " ".join(stems[i : i + size])
            if len(stems[i : i + size]) == size and key in phrases:
                found = tuple(t if "_" in t else stem(t) for t in phrases[key])
                if phrases[key] == ("batch",):
                    many = True
                else:
                    units.append(Unit(" ".join(raw[i : i + size]), found, phrase=True))
                i += size
                break
        else:
            word = raw[i]
            i += 1
            if word.isdigit():
                # "50 agents": a number of things is a batch; "group 2" is an id.
                many = many or (int(word) > 1 and i < len(raw) and raw[i].endswith("s"))
                continue
            if word in STOPWORDS:
                continue
            synonyms = SYNONYMS.get(word, ()) + SYNONYMS.get(stem(word), ())
            if "batch" in synonyms:
                many = True
                synonyms = tuple(s for s in synonyms if s != "batch")
            forms = (stem(word), *[f for s in synonyms for f in ((s,) if "_" in s else (stem(s),))])
            if "_" in word:
                forms = (word, *forms)
            units.append(Unit(word, tuple(dict.fromkeys(forms))))
    return Request(units, many, bool(raw) and raw[0] in QUESTIONS)


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[str, ...]]:
    return {" ".join(stem(w) for w in words(k)): v for k, v in PHRASES.items()}


# Where a word is found in a tool, and what it weighs there.
NAME, RESOURCE, FIELD, TEXT, DETAIL = 3.0, 2.0, 1.5, 1.0, 0.5
CHANGES, ACCEPTS = 2.0, 1.5  # a field named, in an action that changes it / that accepts it (else FIELD)


@dataclass
class Doc:
    """A tool as search sees it. ``kind``: what it does to the fields it takes ("changes":
    update_*, "accepts": create_*/add_*/register_*, "" otherwise); ``batch``: a batch variant."""

    name: str
    fields: dict[float, set[str]] = field(default_factory=dict)
    field_names: set[str] = field(default_factory=set)
    kind: str = ""
    batch: bool = False
    reads: bool = False  # changes nothing: a question ranks it first
    order: int = 0
    info: dict[str, Any] = field(default_factory=dict)  # what a hit shows

    def add(self, weight: float, text: str | Iterable[str]) -> None:
        found = terms(text) if isinstance(text, str) else set(text)
        self.fields.setdefault(weight, set()).update(found)


class Index:
    """Tools ranked for a request (see the module docstring)."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.docs = list(docs)
        self._weights: list[dict[str, float]] = []
        df: dict[str, int] = {}
        for doc in self.docs:
            weights: dict[str, float] = {}
            for weight, found in doc.fields.items():
                for t in found:
                    weights[t] = max(weights.get(t, 0.0), weight)
            for t in doc.field_names:
                weights[t] = max(weights.get(t, 0.0), {"changes": CHANGES, "accepts": ACCEPTS}.get(doc.kind, FIELD))
            self._weights.append(weights)
            for t in weights:
                df[t] = df.get(t, 0) + 1
        n = len(self.docs)
        self._idf = {t: math.log(1 + n / d) for t, d in df.items()}

    def rank(self, query: str) -> list[tuple[float, Doc]]:
        """Matching tools, best first, with their scores (an empty request matches nothing)."""
        request = read_request(query)
        units, many = request.units, request.many
        if not units:
            return []
        scored: list[tuple[float, int, Doc]] = []
        for doc, weights in zip(self.docs, self._weights, strict=True):
            total, matched = 0.0, 0
            for unit in units:
                best = 0.0
                for i, form in enumerate(unit.forms):
                    w = weights.get(form, 0.0)
                    if w:
                        # a phrase's terms and the word itself count fully; a synonym a little less
                        best = max(best, w * self._idf[form] * (1.0 if unit.phrase or i == 0 else 0.7))
                total += best
                matched += best > 0
            if not matched:
                continue
            score = total * (0.5 + 0.5 * matched / len(units))
            if doc.batch and not many:
                score *= 0.85
            elif doc.batch and many:
                score *= 1.15
            if request.question and doc.reads:
                score *= 1.25
            scored.append((score, doc.order, doc))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [(score, doc) for score, _, doc in scored]


def action_kind(name: str) -> str:
    """What an action does to the fields it takes: "changes", "accepts", or "" (reads, deletes, ...)."""
    verb = name.removeprefix("batch_").split("_")[0]
    if verb in ("update", "set"):
        return "changes"
    if verb in ("create", "add", "register"):
        return "accepts"
    return ""


def schema_words(schema: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(field names, words of their descriptions and enum values) of a JSON schema, nested."""
    names: set[str] = set()
    detail: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for key in props:
                    if key not in ("limit", "cursor", "fields", "filters"):  # paging/shape, not what it is about
                        names.update(terms(key))
            if isinstance(node.get("description"), str):
                detail |= terms(node["description"])
            if isinstance(node.get("enum"), list):
                detail |= {t for v in node["enum"] if isinstance(v, str) for t in terms(v)}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names, detail


# --- hints for clients that load tools lazily ----------------------------------------------------------

HINT_WORDS = 5  # words at most: every listed tool carries its hint in tools/list
# Catalogue actions whose schemas a lazy-loading client loads up front: the reads used most (the
# meta tools say it of themselves: MetaTool.always_load).
CORE_ACTIONS = frozenset({"list_agents", "get_agent", "list_groups"})


# Plain words for what each resource and verb of the catalogue is about (search hints only: the
# search itself reads the fuller PHRASES and SYNONYMS).
RESOURCE_HINTS = {
    "agents": "user, staff", "groups": "team, department", "bots": "chatbot", "tags": "chat label",
    "greetings": "campaign", "webhooks": "callback, events", "auto_access": "routing rule",
    "customer_bans": "banned visitors", "properties": "custom setting", "other": "license",
}
VERB_HINTS = {
    "create": "add", "add": "new", "register": "add", "update": "change", "delete": "remove", "unregister": "remove",
    "list": "show all", "get": "look up", "suspend": "block", "unsuspend": "unblock", "approve": "pending",
    "unban": "lift ban", "reset": "rotate leaked", "publish": "make public", "issue": "new", "enable": "turn on",
    "disable": "turn off", "check": "downgrade", "reactivate": "bounced", "request": "ask owners",
}


# Fields people ask about in other words (search hints name them; search reads PHRASES).
FIELD_HINTS = {
    "work_scheduler": "working hours", "max_chats_count": "chat limit", "login_status": "default status",
    "email_subscriptions": "summary emails", "agent_priorities": "members", "next_id": "order",
}


def search_hint(name: str, description: str, field_names: Iterable[str] = (), resource: str = "") -> str:
    """Words a person would use to find a tool that its name and description do not already say:
    plain words for the fields it changes or takes (chat limit, working hours), its verb and its
    resource. At most HINT_WORDS words: it is listed with every tool."""
    own = terms(f"{name} {description}")
    verb = name.removeprefix("batch_").split("_")[0]
    taken = set(field_names)  # in FIELD_HINTS' order: the fields people ask about most come first
    out = [phrase for f, phrase in FIELD_HINTS.items() if f in taken] if action_kind(name) else []
    out += [VERB_HINTS.get(verb, ""), RESOURCE_HINTS.get(resource, ""), "bulk" if name.startswith("batch_") else ""]
    chosen: list[str] = []
    count = 0
    for hint in dict.fromkeys(h.strip() for part in out for h in part.split(",")):
        if not hint or terms(hint) <= own:
            continue  # says nothing the name and description do not
        size = len(hint.split())
        if count + size > HINT_WORDS:
            continue
        chosen.append(hint)
        count += size
    return ", ".join(chosen)


def action_doc(act: Action, order: int) -> Doc:
    """A catalogue action as search sees it."""
    single = act.batch_of or act.name
    doc = Doc(act.name, kind=action_kind(act.name), batch=bool(act.batch_of), reads=not act.write, order=order)
    doc.add(NAME, act.name)
    # "unsuspend" is about suspending too, "unban" about bans: found by the word it undoes, a little lower.
    doc.add(TEXT, {stem(p[2:]) for p in act.name.split("_") if p.startswith("un") and len(p) > 4})
    doc.add(RESOURCE, act.resource)
    doc.add(TEXT, f"{act.title} {act.description} {act.notes or ''} {INTROS.get(single, '')}")
    doc.field_names, detail = schema_words(input_schema(act.model))
    doc.add(DETAIL, detail)
    return doc


@cache
def action_hint(name: str) -> str:
    """The search hint of catalogue action ``name`` (see ``search_hint``)."""
    act = catalog()[name]
    fields, _ = schema_words(input_schema(act.model))
    return search_hint(name, act.description, sorted(fields), act.resource)
