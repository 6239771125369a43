"""Sandbox customer bans: a list of bans (made with the Agent Chat API, so seeded here).

A ban carries ``ip``, ``agent_id``, ``created_at``, ``expires_at`` and, when it was made from a
chat, ``customer_id`` and ``thread_id`` (the shape of the reference's listCustomerBans example).
Only active bans (not yet expired at the sandbox clock's now) are listed or can be lifted.
"""

from __future__ import annotations

from typing import Any

from ..tools import customer_bans as t
from .core import Ctx, SandboxError, SandboxState, parse_rfc3339, rfc3339
from .people import email_of

SEED_TIME = "2024-03-01T09:00:00.000000Z"  # a clock frozen here shows the seeded ban's original dates
DAY = 86400.0
BANNED_IP = "192.168.1.1"  # the reference's unban_customer example
BANNED_CUSTOMER_ID = "18405023-fdd0-4d67-b641-299e3823888c"


def seed(state: SandboxState) -> None:
    # Relative to the sandbox clock, so the seeded ban is active when the license is reset (it
    # was made two days ago for a week); frozen at SEED_TIME it reads as the reference's dates.
    now = state.clock.now()
    state.customer_bans.append(
        {
            "ip": BANNED_IP,
            "customer_id": BANNED_CUSTOMER_ID,
            "agent_id": email_of(state.organization_id, "agent"),
            "thread_id": "T00M0307QQ",
            "created_at": rfc3339(now - 2 * DAY),
            "expires_at": rfc3339(now + 5 * DAY),
        }
    )


def active_bans(state: SandboxState) -> list[dict[str, Any]]:
    """The bans in force now (what list_customer_bans lists and check_product_limits_for_plan counts)."""
    return _active(state)


def _active(state: SandboxState) -> list[dict[str, Any]]:
    # Bans expire as the sandbox clock moves (POST /_sandbox/clock moves or freezes it).
    now = state.clock.now()
    return [ban for ban in state.customer_bans if parse_rfc3339(ban["expires_at"]) > now]


def list_customer_bans(ctx: Ctx, req: t.ListCustomerBans) -> list[dict[str, Any]]:
    return [dict(ban) for ban in _active(ctx.state)]


def unban_customer(ctx: Ctx, req: t.UnbanCustomer) -> dict[str, Any]:
    key, value = ("ip", req.ip) if req.ip is not None else ("customer_id", req.customer_id)
    matching = [ban for ban in _active(ctx.state) if ban.get(key) == value]
    if not matching:
        raise SandboxError("not_found", f"No active ban for {key} '{value}'")
    ctx.state.customer_bans[:] = [ban for ban in ctx.state.customer_bans if ban not in matching]
    return {}


HANDLERS = {
    "list_customer_bans": list_customer_bans,
    "unban_customer": unban_customer,
}
