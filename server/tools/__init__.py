"""The action catalogue, assembled from one module per API resource."""

from __future__ import annotations

from functools import cache

from .catalog import RESOURCES, Action, build_catalog


@cache
def catalog() -> dict[str, Action]:
    from . import (
        agents,
        auto_access,
        bots,
        customer_bans,
        greetings,
        groups,
        other,
        properties,
        tags,
        webhooks,
    )

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


__all__ = ["RESOURCES", "Action", "catalog"]
