"""Tags: text labels agents put on chats. Reference: "Tags" in configuration-api-v3.6(-current)."""

from pydantic import Field

from .catalog import Action, Paging, action
from .types import GroupIds, Input

_RW = (("tags--all:rw",), ("tags--groups:rw",))
_RO = (("tags--all:ro",), ("tags--groups:ro",))

# LiveChat has no rename. The route: create the new name, then delete the old one, in that
# order: a plan applies its steps in order and stops at the first failure, so a failed create
# leaves the old tag in place rather than no tag at all.
_RENAME = (" Tags cannot be renamed: create_tag the new name (same group_ids), then delete_tag the "
           "old one, in that order so a failure leaves the old tag.")


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
        "a tag of the same name exists in any letter case." + _RENAME,
        scopes=_RW, write=True, idempotent=False,
    ),
    action(
        "delete_tag", "tags", DeleteTag,
        title="Delete tag",
        description="Delete a tag (name matched case-sensitively). Permanent. To rename, create_tag "
        "the new name first, then delete the old.",
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
        description="Change the groups a tag is assigned to (name matched case-sensitively). Tags "
        "cannot be renamed: see create_tag (create the new name, then delete_tag the old).",
        scopes=_RW, write=True, idempotent=True,
    ),
]
