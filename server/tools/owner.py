"""``owner_client_id`` filled in from the credential, where the reference lets the token supply it.

With a Bearer token the server knows the token's client id (from token info), so a call that
leaves ``owner_client_id`` out acts for the token's own app: ``list_webhooks {}`` lists its
webhooks. The value is written into the request before planning or sending, so a plan and the
audit record show the client id that was used. A PAT carries no client id: there the field stays
required ("Required only when authorizing via PATs"), and leaving it out is refused before
anything is sent.
"""

from __future__ import annotations

from typing import Any

from .catalog import Action

FIELD = "owner_client_id"


def takes_owner(act: Action) -> bool:
    from . import catalog

    single = catalog()[act.batch_of] if act.batch_of else act
    return FIELD in single.model.model_fields


def fill_owner(act: Action, body: dict[str, Any], *, client_id: str | None, credential_kind: str) -> list[str]:
    """Fill ``owner_client_id`` in ``body`` (or in each batch item); returns the paths still missing it."""
    if not takes_owner(act):
        return []
    items = [(f"requests[{i}].", item) for i, item in enumerate(body.get("requests", []))] if act.batch_of else [("", body)]
    missing = []
    for prefix, item in items:
        if isinstance(item, dict) and item.get(FIELD) is None:
            if credential_kind == "bearer" and client_id:
                item[FIELD] = client_id
            elif credential_kind == "pat":
                missing.append(prefix + FIELD)
    return missing
