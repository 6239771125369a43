"""Customer bans: listing and lifting bans. Reference: "Customer bans" in configuration-api-v3.6-current.mdx
(the only source; banning itself is done with the Agent Chat API's ban_customer)."""

import ipaddress
from typing import Self

from pydantic import Field, field_validator, model_validator

from .catalog import Action, Paging, action
from .types import Input

# The page documents single scopes: banlist_read (list) and banlist_write (unban).
_READ = (("banlist_read",),)
_WRITE = (("banlist_write",),)


class ListCustomerBans(Input):
    """Empty request payload."""


class UnbanCustomer(Input):
    # The page's Notes for both fields are copied from create_group ("The group name. Maximum:
    # 180 characters." / "The code of the group languange"); they are described by their names
    # instead, and the 180-character limit (a group-name limit) is not applied.
    ip: str | None = Field(default=None, min_length=1, description="IP address of the banned customer.")
    customer_id: str | None = Field(default=None, min_length=1, description="ID of the banned customer.")

    @field_validator("ip")
    @classmethod
    def _ip_address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValueError("must be an IPv4 or IPv6 address (livechat-mcp's own safety rule)") from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [name for name in ("ip", "customer_id") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `ip` and `customer_id`")
        return self


ACTIONS: list[Action] = [
    action(
        "list_customer_bans", "customer_bans", ListCustomerBans,
        title="List customer bans",
        description="List the license's active customer bans (IP and/or customer ID, who banned, when it expires).",
        scopes=_READ, write=False, paging=Paging(key="customer_id"),
    ),
    action(
        "unban_customer", "customer_bans", UnbanCustomer,
        title="Unban customer",
        description="Lift the ban on a customer, identified by exactly one of `ip` or `customer_id`.",
        scopes=_WRITE, write=True, idempotent=True,
    ),
]
