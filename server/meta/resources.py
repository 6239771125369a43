"""Resources: one template per readable object collection and stored plans; reading them."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from ..calls.context import CallContext
from ..calls.objects import KINDS, ObjectError
from ..license_config.export import ExportError, ReadFailed
from ..license_config.live import read_license
from ..plans.store import PlanStore, owns
from ..safety.untrusted import clean, label
from ..store import StoreUnavailable
from ..tools import meta_names as names
from .reports import policy_report
from .spec import MetaTools

CONFIG_URI = "livechat://config"


def resource_templates(meta: MetaTools) -> list[types.ResourceTemplate]:
    """One template per object collection the policy lets us read (agents, groups, ...)."""
    return [
        types.ResourceTemplate(
            name=kind.name,
            uri_template=f"livechat://{kind.collection}/{{id}}",
            description=f"One {kind.name.replace('_', ' ')} by id, as fetch returns it "
            f"({kind.get_action + ' with every field' if kind.get_action else kind.list_action}).",
            mime_type="application/json",
        )
        for kind in KINDS.values()
        if meta.objects.readable(kind)
    ] + ([types.ResourceTemplate(
        name="plan", uri_template="livechat://plans/{id}",
        description="A stored plan by the plan_id get_plan answered: the signed document to review.",
        mime_type="application/json",
    )] if {t.name for t in meta.active()} & {names.GET_PLAN, names.APPLY_PLAN} else [])


async def read_resource(meta: MetaTools, uri: str, *, session: str) -> Any:
    if uri == "livechat://policy":
        return policy_report(meta.runtime)
    if uri == CONFIG_URI:  # the whole configuration document, as export_config answers it
        try:
            return await read_license(meta.runtime, CallContext(session=session), None)
        except (ReadFailed, ExportError) as exc:
            raise MCPError(INVALID_PARAMS, f"unavailable: {clean(str(exc))}", {"type": "unavailable"}) from None
    if uri.startswith("livechat://plans/"):
        pid = uri.removeprefix("livechat://plans/")
        try:
            record = await PlanStore(meta.runtime.store).get(pid) if pid.isalnum() else None
        except StoreUnavailable as exc:
            raise MCPError(INVALID_PARAMS, f"unavailable: the state store cannot be reached ({exc})") from None
        if record is None or not owns(record, meta.runtime.principal_id, session):
            raise MCPError(INVALID_PARAMS, f"not_found: no stored plan {pid!r} (get_plan answers plan_id)",
                           {"type": "not_found"})
        return {"plan_id": pid, **record["document"],
                "journal": {"done_steps": sorted(await PlanStore(meta.runtime.store).done(record["document"]["mac"]))}}
    try:
        kind, key = meta.objects.parse_url(uri)
        return await meta.objects.get(kind, key, session)
    except ObjectError as exc:
        # A JSON-RPC error the client sees, not a server fault to log with a traceback.
        message = label(clean(exc.message), "LiveChat's message") if exc.untrusted else exc.message
        raise MCPError(INVALID_PARAMS, f"{exc.type}: {message}", {"type": exc.type}) from None
