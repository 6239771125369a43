"""Tags: text labels agents put on chats. Reference: "Tags" in configuration-api-v3.6(-current)."""

from __future__ import annotations

from pydantic import Field

from .catalog import Action, Paging, action
from .types import GroupIds, Input

_RW = (("tags--all:rw",), ("tags--groups:rw",))
_RO = (("tags--all:ro",), ("tags--groups:ro",))


class CreateTag(Input):
    name: str = Field(min_length=1, description="Tag name. Matching an existing tag is case-insensitive.")
    group_ids: GroupIds | None = Field(default=None, description="Groups the tag is assigned to; can be empty.")


class DeleteTag(Input):
    name: str = Field(min_length=1, description="Tag name. Matching is case-sensitive.")


class ListTagsFilters(Input):
    group_ids: GroupIds = Field(description="IDs of the groups to list tags from.")


class ListTags(Input):
    filters: ListTagsFilters | None = Field(default=None, description="Request filters.")


class UpdateTag(Input):
    name: str = Field(min_length=1, description="Tag name. Matching is case-sensitive.")
    group_ids: GroupIds | None = Field(default=None, description="Groups the tag is assigned to; can be empty.")


ACTIONS: list[Action] = [
    action(
        "create_tag", "tags", CreateTag,
        title="Create tag",
        description="Create a chat tag, optionally assigned to groups. Fails with already_exists if "
        "a tag of the same name exists in any letter case.",
        scopes=_RW, write=True, idempotent=False,
    ),
    action(
        "delete_tag", "tags", DeleteTag,
        title="Delete tag",
        description="Delete a tag (name matched case-sensitively). Permanent.",
        scopes=_RW, write=True, destructive=True, idempotent=True,
    ),
    action(
        "list_tags", "tags", ListTags,
        title="List tags",
        description="List the license's tags, optionally only those of some groups.",
        scopes=_RO, write=False, paging=Paging(key="name"),
    ),
    action(
        "update_tag", "tags", UpdateTag,
        title="Update tag",
        description="Change the groups a tag is assigned to (name matched case-sensitively).",
        scopes=_RW, write=True, idempotent=True,
    ),
]
