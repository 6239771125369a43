"""Auto access: ordered rules routing chats to groups by page URL, domain and geolocation.

Reference: "Auto access" in configuration-api-v3.6(-current). The rules form a linked list
(each points to the next by ``next_id``); the order is the evaluation order.

The docs define no operators: a condition type is one of the keys url, domain, geolocation
(enforced by the nested models, unknown keys are refused); a URL/domain match is a value with
``exact_match`` (substring match when false, the default).
"""

from typing import Self

from pydantic import Field, model_validator

from .catalog import Action, Paging, Select, action
from .types import GroupIds, Input

_RW = (("access_rules:rw",),)
_RO = (("access_rules:ro",),)


class MatchObject(Input):
    value: str = Field(min_length=1, description="Value to match.")
    exact_match: bool | None = Field(
        default=None, description="false (default): match value as a substring of the URL or domain."
    )


class MatchCondition(Input):
    values: list[MatchObject] | None = Field(
        default=None, description="Positive match; cannot be combined with exclude_values."
    )
    exclude_values: list[MatchObject] | None = Field(default=None, description="Negative match.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.values is not None and self.exclude_values is not None:
            raise ValueError("values and exclude_values cannot be used together")
        # Our reading (docs/conformance.md Q5): a url/domain condition is a positive or a negative match,
        # so it names at least one value; an empty one would match nothing or everything, undocumented.
        if not (self.values or self.exclude_values):
            raise ValueError("give values (a positive match) or exclude_values (a negative match), with at least one value")
        return self


class GeolocationObject(Input):
    country: str | None = Field(default=None, description='Country, e.g. "United States".')
    country_code: str | None = Field(default=None, description='Country code, e.g. "US".')
    region: str | None = Field(default=None, description='Region, e.g. "California".')
    city: str | None = Field(default=None, description='City, e.g. "Mountain View".')

    @model_validator(mode="after")
    def _at_least_one(self) -> Self:
        if not (self.model_fields_set & {"country", "country_code", "region", "city"}):
            raise ValueError("specify at least one of country, country_code, region, city")
        return self


class GeolocationCondition(Input):
    values: list[GeolocationObject] = Field(
        min_length=1,
        description="Locations; matches when any one matches (all fields of a location must match)."
    )


class Conditions(Input):
    url: MatchCondition | None = Field(
        default=None, description="Matches the customer's page URL (Login customer_page.url / Update Customer Page url)."
    )
    domain: MatchCondition | None = Field(default=None, description="Matches the domain of the customer's URL.")
    geolocation: GeolocationCondition | None = Field(default=None, description="Matches the customer's geolocation.")

    @model_validator(mode="after")
    def _at_least_one(self) -> Self:
        if not (self.model_fields_set & {"url", "domain", "geolocation"}):
            raise ValueError("set at least one of url, domain, geolocation")
        return self


class Access(Input):
    # Required, and a rule routes to at least one group: an empty list would be a rule that assigns
    # nothing (the sandbox deletes a rule a group deletion leaves with none, docs/conformance.md M1).
    groups: GroupIds = Field(min_length=1, description="Destination groups the chat is assigned to.")


class AddAutoAccess(Input):
    access: Access = Field(description="Destination access.")
    conditions: Conditions = Field(description="Conditions to check (at least one of url, domain, geolocation).")
    description: str | None = Field(default=None, description="Description of the rule.")
    next_id: str | None = Field(
        default=None, description="Insert before this existing rule; omit or leave empty to append at the end."
    )


class ListAutoAccesses(Input):
    pass


class DeleteAutoAccess(Input):
    id: str = Field(min_length=1, description="Auto access ID.")


class UpdateAutoAccess(Input):
    id: str = Field(min_length=1, description="ID of the auto access to modify.")
    access: Access | None = Field(default=None, description="Destination access (replaces the current one).")
    conditions: Conditions | None = Field(
        default=None, description="Conditions (replace the current ones; at least one of url, domain, geolocation)."
    )
    description: str | None = Field(default=None, description="Description of the rule.")
    next_id: str | None = Field(
        default=None,
        description='Move the rule before this one; "" moves it to the end; omit to keep its position.',
    )


ACTIONS: list[Action] = [
    action(
        "add_auto_access", "auto_access", AddAutoAccess,
        title="Add auto access rule",
        description="Create a rule that assigns chats to groups by page URL, domain or geolocation; "
        "placed before next_id or at the end. Returns the new id.",
        scopes=_RW, write=True, idempotent=False,
    ),
    action(
        "list_auto_accesses", "auto_access", ListAutoAccesses,
        title="List auto access rules",
        description="List all auto access rules in evaluation order (each next_id points to the following rule).",
        scopes=_RO, write=False, paging=Paging(),
        select=Select(("id", "description", "access", "conditions", "next_id")),
    ),
    action(
        "update_auto_access", "auto_access", UpdateAutoAccess,
        title="Update auto access rule",
        description="Change a rule's access, conditions or description, or move it with next_id. "
        "Only given fields change.",
        scopes=_RW, write=True, idempotent=True, shapes_of="add_auto_access",
        notes='next_id moves the rule before the named one (A->B->C->D with {"id": "C", "next_id": "B"} '
        'gives A->C->B->D); "" moves it to the end; omit next_id to keep the order.',
    ),
    action(
        "delete_auto_access", "auto_access", DeleteAutoAccess,
        title="Delete auto access rule",
        description="Delete an auto access rule. Permanent.",
        scopes=_RW, write=True, destructive=True, idempotent=True,
    ),
]
