"""Sandbox tags: names unique case-insensitively on create, matched case-sensitively after.

tags--all:* reaches every tag; with only tags--groups:* a requester is "restricted to groups
they are assigned to" (Tags intro): writes may only touch their groups, lists show only tags
sharing a group with them.
"""

from __future__ import annotations

from typing import Any

from ..tools import tags as t
from .core import Ctx, SandboxError, SandboxState, not_found
from .people import email_of
from .reach import own_group_ids

SEED_TIME = "2024-03-01T09:00:00.000000Z"


def seed(state: SandboxState) -> None:
    owner, admin = (email_of(state.organization_id, slot) for slot in ("owner", "admin"))
    for name, groups in (("sales", [0, 1]), ("support", [0, 2]), ("complaint", [0]), ("spam", [0])):
        state.tags[name] = {"name": name, "group_ids": groups, "author_id": owner, "created_at": SEED_TIME}
    # The reference's list_tags response (and its delete/update examples) use these two.
    state.tags["docs_feedback"] = {
        "name": "docs_feedback", "group_ids": [0], "author_id": admin, "created_at": "2019-12-09T12:01:18.909000Z",
    }
    state.tags["positive feedback"] = {
        "name": "positive feedback", "group_ids": [0], "author_id": "", "created_at": "2017-11-13T15:37:36.000000+01:00",
    }


def _check_groups(ctx: Ctx, group_ids: list[int] | None) -> None:
    for gid in group_ids or []:
        if gid not in ctx.state.groups:
            raise SandboxError("group_not_found", f"Group {gid} not found")


def _check_write_scope(ctx: Ctx, *group_lists: list[int] | None, result: list[int] | None = None) -> None:
    """``result``: the tag's groups after the write. With only tags--groups:rw it must share a group with
    the requester: a tag in no group is outside every group they are assigned to, and they could not
    list it afterwards (our rule, docs/conformance.md S3)."""
    if ctx.requester.has("tags--all:rw"):
        return
    if result is not None and not result:
        raise SandboxError("authorization", "tags--groups:rw only reaches the requester's groups; a tag in no "
                           "group needs tags--all:rw", {"required_scope": "tags--all:rw"})
    foreign = sorted({gid for ids in group_lists for gid in ids or []} - own_group_ids(ctx))
    if foreign:
        raise SandboxError(
            "authorization",
            f"tags--groups:rw only reaches the requester's groups; not a member of {foreign}",
            {"required_scope": "tags--all:rw"},
        )


def create_tag(ctx: Ctx, req: t.CreateTag) -> None:
    if any(name.lower() == req.name.lower() for name in ctx.state.tags):
        raise SandboxError("already_exists", f"Tag '{req.name}' already exists")
    _check_groups(ctx, req.group_ids)
    _check_write_scope(ctx, req.group_ids, result=list(req.group_ids or []))
    ctx.state.tags[req.name] = {
        "name": req.name,
        "group_ids": list(req.group_ids or []),
        # An agent id (email), as in list_tags' example ("author_id": "smith@example.com"), not an account id.
        "author_id": next((aid for aid, agent in ctx.state.agents.items()
                           if agent.get("account_id") == ctx.requester.account_id), ""),
        "created_at": ctx.state.clock.iso(),
    }


def delete_tag(ctx: Ctx, req: t.DeleteTag) -> None:
    if req.name not in ctx.state.tags:
        raise not_found(f"Tag '{req.name}'")
    groups = ctx.state.tags[req.name]["group_ids"]
    _check_write_scope(ctx, groups, result=groups)  # a tag in no group is not the group-restricted's (S3)
    del ctx.state.tags[req.name]


def list_tags(ctx: Ctx, req: t.ListTags) -> list[dict[str, Any]]:
    tags = list(ctx.state.tags.values())
    if not ctx.requester.has("tags--all:ro"):
        mine = own_group_ids(ctx)
        tags = [tag for tag in tags if mine & set(tag["group_ids"])]
    if req.filters is not None:
        wanted = set(req.filters.group_ids)
        tags = [tag for tag in tags if wanted & set(tag["group_ids"])]
    return tags


def update_tag(ctx: Ctx, req: t.UpdateTag) -> None:
    tag = ctx.state.tags.get(req.name)
    if tag is None:
        raise not_found(f"Tag '{req.name}'")
    if req.group_ids is not None:
        _check_groups(ctx, req.group_ids)
        _check_write_scope(ctx, tag["group_ids"], req.group_ids, result=list(req.group_ids))
        tag["group_ids"] = list(req.group_ids)


HANDLERS = {
    "create_tag": create_tag,
    "delete_tag": delete_tag,
    "list_tags": list_tags,
    "update_tag": update_tag,
}


def forget_group(state: SandboxState, gid: int) -> None:
    for tag in state.tags.values():
        if gid in tag["group_ids"]:
            tag["group_ids"] = [g for g in tag["group_ids"] if g != gid]
