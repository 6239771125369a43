"""Sandbox tags: the documented matching rules."""

import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.conformance("semantics", "create_tag")
async def test_create_tag_is_case_insensitive_for_existing_names(api):
    err = await api.error("create_tag", {"name": "SALES"})
    assert err["type"] == "already_exists"


@pytest.mark.conformance("semantics", "update_tag", "delete_tag")
async def test_update_and_delete_match_case_sensitively(api):
    assert (await api.error("delete_tag", {"name": "Sales"}))["type"] == "not_found"
    assert (await api.error("update_tag", {"name": "Sales", "group_ids": [0]}))["type"] == "not_found"
    await api.call("delete_tag", {"name": "sales"})
    names = [t["name"] for t in await api.call("list_tags")]
    assert "sales" not in names


@pytest.mark.conformance("semantics", "list_tags")
async def test_list_tags_filters_by_group(api):
    await api.call("create_tag", {"name": "vip", "group_ids": []})
    only_support = await api.call("list_tags", {"filters": {"group_ids": [2]}})
    assert [t["name"] for t in only_support] == ["support"]
