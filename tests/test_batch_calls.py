"""Direct batch tool calls: large batches go in max_batch_size chunks, and a batch whose every
item failed is a failed call."""

from __future__ import annotations

import pytest

from conftest import tool_payload

pytestmark = pytest.mark.anyio


def agents(count: int) -> list[dict[str, str]]:
    return [{"id": f"bulk{n:03d}@example.com", "name": f"Bulk {n}"} for n in range(count)]


async def test_a_large_batch_is_sent_in_chunks_and_answers_with_counts(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        result = await s.client.call_tool("batch_create_agents", {"requests": agents(120)})
    payload = tool_payload(result)
    assert not result.is_error
    # 120 items answered by counts (issue 23): the ids are the caller's own, nothing failed.
    assert payload["outcome"] | {"next": ""} == {"effect": "created", "object": "agent", "items": 120, "done": 120,
                                                 "failed": 0, "next": ""}
    assert "responses" not in payload and "failed" not in payload
    sent = [len(r["body"]["requests"]) for r in loopback.requests()]
    assert sent == [50, 50, 20]  # max_batch_size 50, order kept
    assert [r["id"] for r in loopback.requests()[0]["body"]["requests"]] == [a["id"] for a in agents(50)]
    assert all(a["id"] in loopback.sandbox.state.agents for a in agents(120))


async def test_a_batch_whose_every_item_failed_is_an_error(loopback, make_server):
    async with make_server(policy="full-access", env=loopback.env()) as s:
        none = await s.client.call_tool("batch_delete_agents", {"requests": [{"id": "ghost1@example.com"},
                                                                              {"id": "ghost2@example.com"}]})
        some = await s.client.call_tool("batch_delete_agents", {"requests": [{"id": "ghost3@example.com"},
                                                                              {"id": "john@example.com"}]})
    assert none.is_error and [r["error"]["type"] for r in tool_payload(none)["responses"]] == ["not_found"] * 2
    assert not some.is_error  # a partial failure is reported per item
    assert "error" in tool_payload(some)["responses"][0] and "error" not in tool_payload(some)["responses"][1]
