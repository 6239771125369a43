"""Client-owned resources: which ``owner_client_id`` a request acts for, and whether it may.

The reference has two rules for ``owner_client_id``:
- "Required only when authorizing via PATs. When you provide this param while authorizing with a
  Bearer Token, the client_id associated with the Bearer Token will be ignored, and provided
  owner_client_id will be used instead." (create_bot, reset_bot_secret, the license webhook state
  methods): a Bearer caller may omit it.
- "Required ... Must be owned by your organization." (bot templates, properties, webhooks): the
  tables mark it required, yet their own examples omit it (list_bot_templates sends ``{}``). The
  sandbox lets a Bearer token supply it there too, as the examples do, and says so in
  docs/conformance.md; a PAT has no client id, so a PAT caller must always send it.

Either way a given client id must belong to the caller's organization. The default license's
organization owns the clients listed in ``ORGANIZATION_CLIENTS`` (the sandbox's own app, two more
apps, and the client ids the reference's examples use) plus the client of any sandbox credential;
``FOREIGN_CLIENT_ID`` belongs to another organization, and so does Globex, the second license: its
people act for their own token's client, never for Acme's apps (our rule: one organization per
client, as "must be owned by your organization" says).
"""

from __future__ import annotations

from .core import Ctx, SandboxError
from .people import GLOBEX_ORGANIZATION_ID

FOREIGN_CLIENT_ID = "f0reign0client0id000000000000000"
FOREIGN_ORGANIZATION_ID = "f0reign0-0000-0000-0000-000000000000"

ORGANIZATION_CLIENTS = (
    "sandbox0client0id0000000000000000",  # core.DEFAULT_CLIENT_ID
    "other0client0id00000000000000000",  # bots.OTHER_CLIENT_ID
    "0ther0client0id00000000000000000",  # a third app of the organization
    "0805e283233042b37f460ed8fbf22160",  # the properties/webhooks examples' client id
    "asXdesldiAJSq9padj",  # register_webhook's and get_bot's examples
    "238ac5c3c3628210aca289c6d700d2c1",  # issue_bot_token's example
)


def client_organization(ctx: Ctx, client_id: str) -> str | None:
    if client_id == ctx.requester.client_id:
        return ctx.requester.organization_id
    if client_id in ORGANIZATION_CLIENTS:
        # The default license's organization's apps (whatever organization a seed gave that license);
        # the second sandbox license is another organization that owns none of them.
        return None if ctx.state.organization_id == GLOBEX_ORGANIZATION_ID else ctx.state.organization_id
    if client_id == FOREIGN_CLIENT_ID:
        return FOREIGN_ORGANIZATION_ID
    org = ctx.state.extra.get("clients", {}).get(client_id)
    return org if isinstance(org, str) else None


def owner_client(ctx: Ctx, given: str | None) -> str:
    """The client a request acts for: the given one (checked) or, for a Bearer token, its own."""
    if given is None:
        if ctx.requester.client_id is None:  # a PAT
            raise SandboxError(
                "validation", "`owner_client_id` is required when authorizing via PATs (a PAT has no client id)"
            )
        return ctx.requester.client_id
    if client_organization(ctx, given) != ctx.requester.organization_id:
        raise SandboxError(
            "authorization", f"Client Id '{given}' is not owned by your organization", {"owner_client_id": given}
        )
    return given
