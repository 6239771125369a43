"""Properties: typed key-value storage owned by a Client Id, set per license or group.

Reference: "Properties" in configuration-api-v3.6(-current). Both files agree on every
request field; the newer page only rewords the notes.

Values are grouped by namespace (the owner Client Id, or ``test`` / ``core``):
``{"<namespace>": {"<property_name>": <value>}}``.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from .catalog import Action, action
from .types import ClientId, GroupId, Input

PropertyType = Literal["int", "string", "bool", "tokenized_string"]
Location = Literal["chat", "thread", "event", "license", "group"]
Permission = Literal["read", "write"]

# A property value: its type must match the property's registered type (int is int32).
# bool comes first so JSON true/false is never read as an int.
PropertyValue = bool | int | str
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

Namespace = Annotated[str, Field(min_length=1, description="Namespace: the owner Client Id, or e.g. 'test'.")]
PropertyName = Annotated[str, Field(min_length=1, description="Property name.")]

PropertyValues = Annotated[
    dict[Namespace, Annotated[dict[PropertyName, PropertyValue], Field(min_length=1)]],
    Field(
        min_length=1,
        description="Namespaces as keys, {property_name: value} objects as values; other values are kept.",
    ),
]
PropertyNames = Annotated[
    dict[Namespace, Annotated[list[PropertyName], Field(min_length=1)]],
    Field(min_length=1, description="Namespaces as keys, arrays of property names as values."),
]


def value_matches_type(type_: str, value: Any) -> bool:
    """Whether ``value`` is a valid value of a property of type ``type_``."""
    if type_ == "bool":
        return isinstance(value, bool)
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool) and INT32_MIN <= value <= INT32_MAX
    return isinstance(value, str)


# --- register_property ----------------------------------------------------------------


class UserAccess(Input):
    """Who may read or write the property in one location."""

    agent: list[Permission] | None = Field(default=None, min_length=1, description="Agent access.")
    customer: list[Permission] | None = Field(
        default=None, min_length=1, description="Customer access."
    )

    @model_validator(mode="after")
    def _one_user(self) -> Self:
        if self.agent is None and self.customer is None:
            raise ValueError("give access for at least one user: agent or customer")
        return self


class PropertyAccess(Input):
    """Access per location; at least one location."""

    chat: UserAccess | None = Field(default=None, description="Access to the property on chats.")
    thread: UserAccess | None = Field(default=None, description="Access to the property on threads.")
    event: UserAccess | None = Field(default=None, description="Access to the property on events.")
    license: UserAccess | None = Field(default=None, description="Access to the property on the license.")
    group: UserAccess | None = Field(default=None, description="Access to the property on groups.")

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        if not self.locations():
            raise ValueError("give access for at least one location: chat, thread, event, license or group")
        return self

    def locations(self) -> list[str]:
        return [loc for loc in ("chat", "thread", "event", "license", "group") if getattr(self, loc) is not None]


class PropertyRange(Input):
    from_: int | None = Field(
        default=None, alias="from", description="Smallest value allowed (inclusive)."
    )
    to: int | None = Field(default=None, description="Largest value allowed (inclusive).")


class RegisterProperty(Input):
    name: str = Field(min_length=1, description="Property name.")
    # Documented as required, but with a Bearer token the token's client id is the owner.
    owner_client_id: ClientId | None = None
    type: PropertyType = Field(description="Value type: int (int32), string, bool or tokenized_string.")
    access: PropertyAccess = Field(
        description="Access per location (chat, thread, event, license, group): "
        "{agent|customer: [read, write]}; at least one location and one user."
    )
    description: str | None = Field(default=None, description="Property description.")
    domain: list[PropertyValue] | None = Field(
        default=None, min_length=1, description="The only values the property may be set to (of its type)."
    )
    range: PropertyRange | None = Field(
        default=None, description="Range of allowed values, {from, to} inclusive; int properties only."
    )
    default_value: PropertyValue | None = Field(
        default=None,
        description="Returned while no value is set; must fit domain/range; needs license or group access.",
    )

    # Footnote 1 ("Only one domain and one range can be set") reads as "one of each", so both
    # may be given; the documented rules below are checked here so a bad definition is refused
    # before it is sent. Footnote 2 (default_value only with license or group access) is
    # contradicted by both files' own example (default_value with chat-only access), so the
    # model lets it through and leaves the decision to the API (the sandbox enforces it).
    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for value in self.domain or []:
            if not value_matches_type(self.type, value):
                raise ValueError(f"domain value {value!r} is not of the property type {self.type}")
        if self.range is not None:
            if self.type != "int":
                raise ValueError("range works only for numeric (int) properties")
            low, high = self.range.from_, self.range.to
            if low is not None and high is not None and low > high:
                raise ValueError("range.from must not be greater than range.to (livechat-mcp's own safety rule: "
                                 "such a range admits no value)")
        if self.default_value is not None:
            if not value_matches_type(self.type, self.default_value):
                raise ValueError(f"default_value is not of the property type {self.type}")
            if self.domain is not None and self.default_value not in self.domain:
                raise ValueError("default_value is not in the domain")
            if self.range is not None and not in_range(self.default_value, self.range.from_, self.range.to):
                raise ValueError("default_value is out of the range")
        return self


def in_range(value: Any, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


class UnregisterProperty(Input):
    name: str = Field(min_length=1, description="Property name.")
    owner_client_id: ClientId | None = None


class PublishProperty(Input):
    name: str = Field(min_length=1, description="Property name.")
    owner_client_id: ClientId | None = None
    access_type: list[Permission] = Field(
        min_length=1, max_length=2, description="Access for Client Ids other than the owner."
    )


class ListProperties(Input):
    owner_client_id: ClientId | None = None


# --- values ------------------------------------------------------------------------------


class UpdateLicenseProperties(Input):
    properties: PropertyValues


class ListLicenseProperties(Input):
    namespace: str | None = Field(default=None, min_length=1, description="Only this namespace.")
    name_prefix: str | None = Field(default=None, description="Only properties whose name starts with this.")


class DeleteLicenseProperties(Input):
    properties: PropertyNames


class UpdateGroupProperties(Input):
    group_id: GroupId
    properties: PropertyValues


class ListGroupsProperties(Input):
    group_ids: list[Annotated[int, Field(ge=0)]] = Field(
        description="IDs of the groups to read; an empty array means all groups."
    )
    namespace: str | None = Field(default=None, min_length=1, description="Only this namespace.")
    name_prefix: str | None = Field(default=None, description="Only properties whose name starts with this.")


class DeleteGroupProperties(Input):
    id: GroupId
    properties: PropertyNames


# --- scopes --------------------------------------------------------------------------------
# The value methods list two footnoted scopes: `--my` suffices when the namespace is the
# requester's own Client Id, `--all` covers its own namespace and public properties of others.
# Either one lets the call through; which namespaces it may touch is checked per namespace.
_CONFIG = (("properties.configuration:rw",),)
_LICENSE_RW = (("properties.license.value--my:rw",), ("properties.license.value--all:rw",))
_LICENSE_RO = (("properties.license.value--my:ro",), ("properties.license.value--all:ro",))
_GROUP_RW = (("properties.group.value--my:rw",), ("properties.group.value--all:rw",))
_GROUP_RO = (("properties.group.value--all:ro",),)

_VALUES_NOTE = (
    "Namespaces: with the --my scope only the requester's own Client Id namespace; with --all "
    "also public (published) properties of other namespaces such as 'test' and 'core'. Each value "
    "must match the property's type, domain and range and the property must allow the location."
)

ACTIONS: list[Action] = [
    action(
        "register_property", "properties", RegisterProperty,
        title="Register property",
        description="Register a new private property (type, per-location access, optional domain, "
        "range and default) for a Client Id. Its definition cannot be changed later.",
        scopes=_CONFIG, write=True, idempotent=False,
        notes="Only the owner Client Id can use a private property until it is published. "
        "default_value needs license or group access; range is for int properties only.",
    ),
    action(
        "unregister_property", "properties", UnregisterProperty,
        title="Unregister property",
        description="Unregister a private property. Published properties cannot be unregistered.",
        scopes=_CONFIG, write=True, destructive=True, idempotent=True,
    ),
    action(
        "publish_property", "properties", PublishProperty,
        title="Publish property",
        description="Make a private property public with read and/or write access for other Client Ids. "
        "Irreversible: it can never be unpublished or unregistered.",
        scopes=_CONFIG, write=True, destructive=True, idempotent=True,
    ),
    action(
        "list_properties", "properties", ListProperties,
        title="List properties",
        description="List the private and public property definitions owned by a Client Id.",
        scopes=_CONFIG, write=False,
    ),
    action(
        "update_license_properties", "properties", UpdateLicenseProperties,
        title="Update license properties",
        description="Set property values on the license; values not given are kept.",
        scopes=_LICENSE_RW, write=True, idempotent=True, notes=_VALUES_NOTE,
    ),
    action(
        "list_license_properties", "properties", ListLicenseProperties,
        title="List license properties",
        description="List the license's property values by namespace; unset properties show their default.",
        scopes=_LICENSE_RO, write=False,
        notes="With --my:ro only the requester's own namespace; with --all:ro also public properties "
        "of other namespaces.",
    ),
    action(
        "delete_license_properties", "properties", DeleteLicenseProperties,
        title="Delete license properties",
        description="Delete property values set on the license (the definitions stay).",
        scopes=_LICENSE_RW, write=True, destructive=True, idempotent=True, notes=_VALUES_NOTE,
    ),
    action(
        "update_group_properties", "properties", UpdateGroupProperties,
        title="Update group properties",
        description="Set property values on a group; values not given are kept.",
        scopes=_GROUP_RW, write=True, idempotent=True, notes=_VALUES_NOTE,
    ),
    action(
        "list_groups_properties", "properties", ListGroupsProperties,
        title="List groups properties",
        description="List property values set on the given groups (all groups for an empty group_ids).",
        scopes=_GROUP_RO, write=False,
    ),
    action(
        "delete_group_properties", "properties", DeleteGroupProperties,
        title="Delete group properties",
        description="Delete property values set on a group (the definitions stay).",
        scopes=_GROUP_RW, write=True, destructive=True, idempotent=True, notes=_VALUES_NOTE,
    ),
]
