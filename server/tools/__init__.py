"""The action catalogue, assembled from one module per API resource: the single source of truth
for names, models, scopes and annotations (``catalog``: what an action is; ``types``: shared field
types; ``cursors`` and ``results``: paging and answer shapes; ``schema``: the schemas clients see;
``validation``; ``refs`` and ``owner``; ``meta_names``: the names of the tools beyond it).

The bottom layer: imports nothing of this project.
"""

from __future__ import annotations

from functools import cache

from .catalog import RESOURCES, Action, build_catalog


@cache
def catalog() -> dict[str, Action]:
    from . import agents, auto_access, bots, customer_bans, greetings, groups, other, properties, tags, webhooks

    return build_catalog(
        agents.ACTIONS,
        auto_access.ACTIONS,
        bots.ACTIONS,
        customer_bans.ACTIONS,
        greetings.ACTIONS,
        groups.ACTIONS,
        properties.ACTIONS,
        tags.ACTIONS,
        webhooks.ACTIONS,
        other.ACTIONS,
    )


# "... is a private scope; it's not possible to configure it in Developer Console." (reference
# footnotes): an ordinary app's token never holds these.
PRIVATE_SCOPES = frozenset({"subscription.lc:rw", "sessions--all:rw"})


def needs_private_scope(act: Action) -> bool:
    return bool(act.scopes) and all(PRIVATE_SCOPES & set(alt) for alt in act.scopes)


__all__ = ["PRIVATE_SCOPES", "RESOURCES", "Action", "catalog", "needs_private_scope"]
