"""MCP prompts for the agent lifecycle: listing, rendering, defaults, errors and policy notes (issue 7)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from server.tools import catalog

pytestmark = pytest.mark.anyio

EMAIL = "nina.new@example.com"
FULL_ARGS = {
    "provision_agent": {"email": EMAIL, "name": "Nina New", "groups": "1:normal, 2:last", "role": "administrator"},
    "offboard_agent": {"email": EMAIL},
    "sync_role_change": {"email": EMAIL, "role": "viceowner", "groups": "1:first, 19:supervisor"},
}


async def render(s: Any, name: str, args: dict[str, str]) -> str:
    result = await s.client.get_prompt(name, args)
    assert len(result.messages) == 1 and result.messages[0].role == "user"
    return result.messages[0].content.text


async def prompt_error(s: Any, name: str, args: dict[str, str]) -> str:
    with pytest.raises(MCPError) as info:
        await s.client.get_prompt(name, args)
    return str(info.value)


def section(text: str, title: str) -> str:
    """The lines after ``Steps:`` / ``Traps:`` up to the next blank line."""
    return text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0]


def tools_called(steps: str) -> list[str]:
    """Per numbered step, the first tool it names (steps that call none, e.g. asking the human, skipped)."""
    any_tool = re.compile(rf"\b({'|'.join(catalog())})\b")  # \b: suspend_agent is not unsuspend_agent
    found = (any_tool.search(line) for line in re.findall(r"^\d+\. (.*)$", steps, re.MULTILINE))
    return [m.group(1) for m in found if m]


def is_subsequence(wanted: list[str], seq: list[str]) -> bool:
    rest = iter(seq)
    return all(item in rest for item in wanted)


@pytest.fixture
async def server(make_server):
    async with make_server(sandbox=True) as s:
        yield s


async def test_three_prompts_with_their_required_arguments(server):
    prompts = (await server.client.list_prompts()).prompts
    required = {p.name: {a.name: a.required for a in p.arguments} for p in prompts}
    assert required == {
        "provision_agent": {"email": True, "name": True, "groups": False, "role": False},
        "offboard_agent": {"email": True},
        "sync_role_change": {"email": True, "role": True, "groups": False},
    }
    assert all(p.description and all(a.description for a in p.arguments) for p in prompts)


@pytest.mark.parametrize(
    ("name", "order"),
    [
        ("provision_agent", ["get_agent", "list_groups", "create_agent"]),
        ("offboard_agent", ["get_agent", "suspend_agent", "delete_agent"]),
        ("sync_role_change", ["get_agent", "update_agent"]),
    ],
)
async def test_rendering_carries_the_arguments_and_names_the_tools_in_order(server, name, order):
    text = await render(server, name, FULL_ARGS[name])
    assert all(value in text for value in FULL_ARGS[name].values())
    called = tools_called(section(text, "Steps"))
    assert is_subsequence(order, called), called
    assert not re.search(r"\{\w+\}", text)  # every placeholder was filled


async def test_traps_warn_about_approval_and_the_email_id(server):
    provision = section(await render(server, "provision_agent", FULL_ARGS["provision_agent"]), "Traps")
    sync = section(await render(server, "sync_role_change", FULL_ARGS["sync_role_change"]), "Traps")
    assert "awaiting_approval" in provision
    for traps in (provision, sync):
        assert re.search(r"ids? (is|are) (the )?emails?", traps, re.IGNORECASE), traps


@pytest.mark.parametrize("empty", [False, True], ids=["absent", "empty"])
async def test_omitted_optional_arguments_take_their_defaults(server, empty):
    blank = {"groups": "", "role": ""} if empty else {}
    provision = await render(server, "provision_agent", {"email": EMAIL, "name": "Nina New", **blank})
    blank.pop("role", None)  # required for sync_role_change
    sync = await render(server, "sync_role_change", {"email": EMAIL, "role": "normal", **blank})
    assert '"role": "normal"' in provision  # role: normal (default)
    assert "group 0" in provision  # groups: default group 0 only
    assert "unchanged" in sync.split("\n", 1)[0]  # groups: leave groups alone
    assert not re.search(r"\{\w+\}", provision + sync)


@pytest.mark.parametrize(
    ("name", "args", "named"),
    [
        ("provision_agent", {"email": EMAIL}, ["provision_agent", "name"]),
        ("provision_agent", {"email": EMAIL, "name": ""}, ["provision_agent", "name"]),
        ("sync_role_change", {"email": EMAIL}, ["sync_role_change", "role"]),
        ("offboard_agent", {}, ["offboard_agent", "email"]),
        ("offboard_agent", {"email": EMAIL, "colour": "red"}, ["offboard_agent", "colour"]),
        ("onboard_everyone", {"email": EMAIL}, ["onboard_everyone"]),
    ],
    ids=["missing-name", "empty-name", "missing-role", "missing-email", "unknown-argument", "unknown-prompt"],
)
async def test_bad_requests_are_errors_naming_the_problem(server, name, args, named):
    message = await prompt_error(server, name, args)
    assert all(re.search(rf"\b{part}\b", message) for part in named), message


def policy_statuses(notes: str) -> dict[str, str]:
    """{tool: "refused" | "planned"} from the notes' lines ("- a, b are refused: ...")."""
    out = {}
    for line in notes.splitlines():
        match = re.match(r"- ([\w, ]+?) (?:is|are) (refused|planned)", line)
        if match:
            out.update({name.strip(): match.group(2) for name in match.group(1).split(",")})
    return out


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, {"suspend_agent": "refused", "update_agent": "refused", "delete_agent": "refused"}),
        ("dry-run", {"suspend_agent": "refused", "update_agent": "planned", "delete_agent": "refused"}),
        ("dry-run-admin", {"suspend_agent": "planned", "update_agent": "planned", "delete_agent": "planned"}),
        ("full-access", {}),
    ],
    ids=["read-only", "dry-run", "dry-run-admin", "full-access"],
)
async def test_offboard_prompt_says_what_the_policy_does_to_its_tools(make_server, policy, expected):
    async with make_server(sandbox=True, policy=policy) as s:
        text = await render(s, "offboard_agent", {"email": EMAIL})
    notes = text.rsplit("\n\n", 1)[1]  # the policy notes close the prompt
    assert policy_statuses(notes) == expected, notes  # get_agent, a read, is never mentioned
    assert ("allows every tool" in notes) == (expected == {})
    if "refused" in expected.values():
        assert "an operator allows" in notes  # and says how
