"""Resources: one template per readable object collection and stored plans; reading them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from ..calls.context import CallContext
from ..calls.lifecycle import may_see, page_of
from ..calls.objects import KINDS, ObjectError
from ..plans.lifecycle import STATES
from ..plans.store import PlanStore
from ..safety.untrusted import clean, label
from ..store import StoreUnavailable
from ..tools import meta_names as names
from .approval_tools import pending
from .plan_view import plan_view
from .reports import policy_report
from .spec import MetaTools

CONFIG_URI = "livechat://config"
PENDING_URI = "livechat://plans?state=pending"


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
    )] if {t.name for t in meta.active()} & {names.GET_PLAN, names.APPLY_PLAN} else []) + ([types.ResourceTemplate(
        name="plans", uri_template="livechat://plans{?state}",
        description="Approvals: the stored plans of your license in a state; state=pending: those waiting for "
        "approval (what plans_pending answers).",
        mime_type="application/json",
    )] if meta.runtime.policy.policy.approvals is not None else [])


async def read_resource(meta: MetaTools, uri: str, *, session: str) -> Any:
    if uri == "livechat://policy":
        return policy_report(meta.runtime)
    if uri == CONFIG_URI:  # the whole configuration document, as export_config answers it
        from ..license_config.export import ExportError, ReadFailed  # here: read rarely, and never at start
        from ..license_config.live import read_license

        try:
            return await read_license(meta.runtime, CallContext(session=session), None)
        except (ReadFailed, ExportError) as exc:
            # It quotes the license (names several groups share) or LiveChat's message: data, as the tool's answer.
            raise MCPError(INVALID_PARAMS, f"unavailable: {label(clean(str(exc)))}", {"type": "unavailable"}) from None
    if uri.startswith("livechat://plans?"):
        return await _plans_in_state(meta, uri, session)
    if uri.startswith("livechat://plans/"):
        pid = uri.removeprefix("livechat://plans/")
        plans = PlanStore(meta.runtime.store)
        try:
            record = await plans.get(pid) if pid.isalnum() else None
            life = await plans.life(pid) if record is not None else None
            done = sorted(await plans.done(record["document"]["mac"])) if record is not None else []
        except StoreUnavailable as exc:
            raise MCPError(INVALID_PARAMS, f"store_unavailable: the state store cannot be reached ({exc})",
                           {"type": "store_unavailable"}) from None
        if record is None or not may_see(meta.runtime, record, life, session):
            raise MCPError(INVALID_PARAMS, f"not_found: no stored plan {pid!r} (get_plan answers plan_id)",
                           {"type": "not_found"})
        # As get_plan shows it (summary sentence, review, what this person can do here), with the
        # record's whole history.
        shown = plan_view(meta, {**record["document"], "plan_id": pid}, None, life)
        if life is not None:
            rule = meta.runtime.policy.policy.approvals
            shown["lifecycle"] = life.view(rule, page_of(meta.runtime, pid) if rule else None, history=True)
        return {**shown, "journal": {"done_steps": done}}
    try:
        kind, key = meta.objects.parse_url(uri)
        return await meta.objects.get(kind, key, session)
    except ObjectError as exc:
        # A JSON-RPC error the client sees, not a server fault to log with a traceback.
        message = label(clean(exc.message), "LiveChat's message") if exc.untrusted else exc.message
        raise MCPError(INVALID_PARAMS, f"{exc.type}: {message}", {"type": exc.type}) from None


async def _plans_in_state(meta: MetaTools, uri: str, session: str) -> Any:
    """``livechat://plans?state=pending`` (or another state): the stored plans this person may see."""
    state = (parse_qs(urlsplit(uri).query).get("state") or [""])[0]
    if state != "pending" and state not in STATES[1:]:
        raise MCPError(INVALID_PARAMS, f"not_found: no plans state {state!r} (pending, or one of "
                       f"{', '.join(STATES[1:])})", {"type": "not_found"})
    try:
        if state == "pending":
            if meta.runtime.policy.policy.approvals is None:
                raise MCPError(INVALID_PARAMS, "not_found: this deployment's policy has no approvals, so no plan "
                               "waits for one", {"type": "not_found"})
            return {"state": "pending", "plans": await pending(meta.runtime, session)}
        rule = meta.runtime.policy.policy.approvals
        rows = [{"plan_id": life.id, "lifecycle": life.view(rule)}
                for record, life in await PlanStore(meta.runtime.store).lives(frozenset({state}))
                if may_see(meta.runtime, record, life, session)]
    except StoreUnavailable as exc:
        raise MCPError(INVALID_PARAMS, f"store_unavailable: the state store cannot be reached ({exc})",
                       {"type": "store_unavailable"}) from None
    return {"state": state, "plans": rows}
