"""What a read costs on the call path, counted (issue 26): the store calls it makes, and the work
the SDK would otherwise repeat per call. Timed side by side with the SDK forwarder in bench/."""

from __future__ import annotations

import json

import anyio
import pytest

from counting import CountingStore, Tally, lines_run
from server.doors.mcp_app import LiveChatMCP
from server.policies import Overrides
from test_linear import RATE, meta, runtime_on  # noqa: F401  (shared helpers)

pytestmark = pytest.mark.anyio


async def test_a_read_costs_two_store_calls_and_the_same_work_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """One store operation: the license budget's reservation, which also releases the slot of the
    request before it (the last one's is released FLUSH_AFTER later, off any call's path); and no
    per-call building of what can be built once (the second and the twelfth call run the same lines).
    The slot is stamped when its request finished, however late the store hears of it:
    tests/test_client.py::test_token_bucket_counts_a_slot_from_when_its_request_finished."""
    from server.api import ratelimit

    monkeypatch.setattr(ratelimit, "FLUSH_AFTER", 60.0)  # a slow call on a loaded machine is not idleness
    store = CountingStore()
    async with runtime_on(store, monkeypatch, Overrides()) as runtime:
        app = LiveChatMCP(runtime)
        from server.calls.context import CallContext

        counts = []
        for n in range(12):
            store.tally = Tally()
            with lines_run(store.tally) as tally:
                result = await app.call_tool("get_group", {"id": 0}, call=CallContext())
            assert not result.is_error, result.data
            if n in (1, 11):
                counts.append(tally)
        assert counts[0].store == counts[1].store == {"reserve": 1}
        assert abs(counts[1].lines - counts[0].lines) <= 3  # (whether a release timer was due: a line or two)
        store.tally = Tally()
        budget = runtime.client.budget
        if budget._flushing is not None:
            budget._flushing.cancel()  # the 60 s timer the calls above started: the idle release below uses 0.05 s
            await anyio.sleep(0)  # ... once the cancelled timer has ended (the call below may not yield before its release)
        monkeypatch.setattr(ratelimit, "FLUSH_AFTER", 0.05)
        await app.call_tool("get_group", {"id": 0}, call=CallContext())
        await anyio.sleep(0.5)  # idle: the last call's slot is released on its own, stamped when it finished
        assert store.tally.store == {"reserve": 1, "release": 1}
        # No slot is held any longer (an unreleased one counts as finishing at its hold, in the future).
        window = store._windows[runtime.client.budget.bucket]
        assert len(window) == 13 and all(finish <= store._clock() for finish, _ in window.values())


async def test_session_less_calls_find_their_tool_schema_without_listing_every_tool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Protocol 2026-07-28: the SDK checks a call's Mcp-Param headers against the tool's input
    schema. Told how to find one schema, it no longer runs tools/list (every tool's schema) per call;
    and since it checks headers only against ``x-mcp-header`` declarations, a tool that declares
    none hands it no schema to walk (twice per call). A declaration is still handed over and checked."""
    from mcp.shared.inbound import validate_mcp_param_headers
    from pydantic import BaseModel, Field

    from server.doors import mcp_app

    store = CountingStore()
    async with runtime_on(store, monkeypatch, policy="full-access") as runtime:
        app = LiveChatMCP(runtime)
        lookup = app.server.get_tool_input_schema
        assert lookup is not None
        listed = {t.name: t.input_schema for t in app.list_tools()}
        assert {"get_group", "create_agent", "get_plan"} <= set(listed)
        for name, schema in listed.items():
            declares = "x-mcp-header" in json.dumps(schema)
            assert lookup(name) == (schema if declares else None), name
        assert lookup("no_such_tool") is None

    class Routed(BaseModel):
        region: str = Field(json_schema_extra={"x-mcp-header": "Region"})

    schema = mcp_app._header_schema(Routed)
    assert schema is not None and schema["properties"]["region"]["x-mcp-header"] == "Region"
    refused = validate_mcp_param_headers(schema, {"region": "eu"}, {"mcp-param-region": "us"})
    assert refused is not None and "does not match" in refused.message


async def test_a_read_parses_its_upstream_url_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx parses a string URL on every request; the client hands it the action's URL parsed once
    (after the first call to an action, no URL is parsed again), and the request still reaches it."""
    import httpx._urls as urls

    parsed = []
    original = urls.urlparse
    monkeypatch.setattr(urls, "urlparse", lambda *a, **k: parsed.append(a) or original(*a, **k))
    store = CountingStore()
    async with runtime_on(store, monkeypatch, Overrides()) as runtime:
        app = LiveChatMCP(runtime)
        from server.calls.context import CallContext

        first = await app.call_tool("get_group", {"id": 0}, call=CallContext())
        assert not first.is_error, first.data
        parsed.clear()
        before = len(runtime.sandbox.requests)
        for _ in range(3):
            result = await app.call_tool("get_group", {"id": 0}, call=CallContext())
            assert not result.is_error and result.data["name"] == "General", result.data
        assert len(runtime.sandbox.requests) == before + 3
        assert parsed == []


async def test_a_read_takes_its_concurrency_slot_without_a_pass_through_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client's cap on concurrent requests (a semaphore) is free on almost every call: taking it
    no longer yields to the event loop (anyio's default does, one loop iteration per call for
    nothing); the request after it yields anyway. Counted where anyio yields after an acquire."""
    import sys

    from anyio._backends._asyncio import AsyncIOBackend

    yielded_for: list[object] = []
    original = AsyncIOBackend.cancel_shielded_checkpoint

    async def counting(cls: type[AsyncIOBackend]) -> None:
        yielded_for.append(sys._getframe(1).f_locals.get("self"))
        await original()

    store = CountingStore()
    async with runtime_on(store, monkeypatch, Overrides()) as runtime:
        app = LiveChatMCP(runtime)
        from server.calls.context import CallContext

        with monkeypatch.context() as patched:
            patched.setattr(AsyncIOBackend, "cancel_shielded_checkpoint", classmethod(counting))
            for _ in range(3):
                result = await app.call_tool("get_group", {"id": 0}, call=CallContext())
                assert not result.is_error, result.data
        assert not any(owner is runtime.client._limit for owner in yielded_for)


def test_an_answers_quota_headers_are_read_without_folding_every_header() -> None:
    """LiveChat's X-RateLimit-* headers are looked up case-insensitively in httpx's headers, not
    found by lowercasing every header of every answer: the same lines whatever the answer's other
    headers, and the same quota read for any spelling."""
    import httpx

    from server.api.ratelimit import Quota

    def read(extra: int) -> tuple[Quota | None, int]:
        headers = httpx.Headers({"X-RateLimit-Limit": "1000", "x-ratelimit-remaining": "7",
                                 "X-RATELIMIT-RESET": "30", **{f"X-Other-{n}": "v" for n in range(extra)}})
        tally = Tally()
        with lines_run(tally):
            quota = Quota.from_headers(headers)
        return quota, tally.lines

    (few, few_lines), (many, many_lines) = read(2), read(40)
    assert few == many == Quota(limit=1000, remaining=7, reset=30.0)
    assert many_lines == few_lines
    assert Quota.from_headers({"X-RateLimit-Remaining": "0"}) == Quota(None, 0, None)  # any mapping still folds


def test_an_upstream_answer_is_dumped_again_to_find_the_credential_only_when_its_bytes_could_hold_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client scrubs its own credential from every answer. An answer whose UTF-8 bytes hold
    neither the credential nor an escape cannot hold it once parsed: it is no longer dumped to JSON
    again to look. The credential is still scrubbed when echoed, plain, \\u-escaped or in UTF-16,
    and a credential with JSON punctuation in it is always looked for the long way."""
    from server.safety import redact

    token = "dal:sandbox-token-1234"
    dumped: list[object] = []
    original = redact.json.dumps
    monkeypatch.setattr(redact.json, "dumps", lambda value, **kw: dumped.append(value) or original(value, **kw))
    scrub = redact.Scrubber([token], "<hidden>")

    def through(raw: bytes) -> object:
        return scrub.decoded(json.loads(raw), raw)

    assert through(b'{"id":0,"name":"General","agents":["a@example.com"]}') == {
        "id": 0, "name": "General", "agents": ["a@example.com"]}
    assert dumped == []
    echoed = json.dumps({"name": token})
    assert through(echoed.encode()) == {"name": "<hidden>"}
    assert through(json.dumps({"name": token}, ensure_ascii=True).replace("s", "\\u0073").encode()) == {"name": "<hidden>"}
    assert through(echoed.encode("utf-16")) == {"name": "<hidden>"}
    spaced = redact.Scrubber(["Basic a, b"], "<hidden>")
    dumped.clear()
    assert spaced.decoded({"x": ["Basic a", "b"]}, b'{"x":["Basic a","b"]}') == {"x": ["Basic a", "b"]}
    assert dumped  # looked for the long way


def test_an_answer_is_walked_for_cleaning_only_when_its_text_shows_something_to_clean() -> None:
    """ToolResult scans the JSON text it sends for what sanitize would remove and walks the data
    only then: for every character, in a value and in a key, a change sanitize would make is seen
    in the text (no answer skips cleaning it needs)."""
    import json
    import sys

    from server.safety.untrusted import may_need_cleaning, sanitize

    astral = [c for lo, hi in ((0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
                               (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0x1F600, 0x1F64F)) for c in range(lo, hi + 1)]
    missed = []
    for code in [*range(0x10000), *astral]:
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        for data in ({"name": f"a{ch}b"}, {f"k{ch}": 1}, [f"{ch}"]):
            if sanitize(data) != data and not may_need_cleaning(json.dumps(data, ensure_ascii=False)):
                missed.append(hex(code))
    assert missed == [], missed[:20]
    # A common answer (accents, an emoji, new lines and tabs) is sent without a walk.
    assert not may_need_cleaning(json.dumps({"name": "Zoë", "emoji": "🙂", "note": "line\nnext\ttab"},
                                            ensure_ascii=False))
    assert sys.maxunicode == 0x10FFFF
