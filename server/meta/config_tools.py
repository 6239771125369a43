"""export_config, diff_config and plan_config: configuration as code (server/license_config/).

Every read goes through the runtime's pipeline (policy, budget, audit line per read) with
progress to the caller; plan_config answers an ordinary stored plan (signed with the
deployment's key like get_plan's), reviewed and applied by id like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, StrictBool

from ..calls.answers import ToolResult, error_result
from ..calls.lifecycle import store_plan
from ..policies.audience import Change
from ..store import StoreUnavailable
from ..tools import meta_names as names
from ..tools.types import Input
from .plan_tools import plan_key, signed
from .spec import MetaCall, MetaTool, MetaTools

# The configuration-as-code modules (server/license_config) are imported by the calls that use them:
# these tools are listed at every start, called rarely.
Kind = Literal["groups", "agents", "bots", "bot_templates", "auto_access", "greetings", "tags", "properties",
               "webhooks"]
# Few words: these three tools are listed to every client (tools/list is paid on every turn). diff and
# plan take no kinds: a document holding only some kinds compares and converges only those.
_DOCUMENT = Field(description="A configuration document (export_config's).")


class ExportConfigArgs(Input):
    kinds: list[Kind] | None = Field(default=None, description="Only these (default: all).")
    view: Literal["document", "summary"] = Field(default="document", description="summary: counts only.")


class DiffConfigArgs(Input):
    document: dict[str, Any] = _DOCUMENT


class PlanConfigArgs(Input):
    document: dict[str, Any] = _DOCUMENT
    prune: StrictBool = Field(default=False, description="Also delete what the document lacks.")


def _failed(exc: Exception) -> ToolResult:
    from ..license_config.document import DocumentError
    from ..license_config.export import ReadFailed

    if isinstance(exc, ReadFailed):
        return error_result("read_failed", f"The license could not be read: {exc}. Nothing was changed.",
                            untrusted=True, what_to_do="Retry, or leave that kind out (kinds, or a document "
                            "without it) if the credential cannot read it.")
    if isinstance(exc, DocumentError):
        return error_result("validation", f"Not a usable configuration document: {exc}. Nothing was read or changed.")
    return error_result("ambiguous", f"{exc}. Nothing was changed.", untrusted=True)


def _kinds(given: Sequence[str] | None, doc: dict[str, Any] | None = None) -> list[str] | None:
    if doc is None:
        return list(given) if given else None
    from ..license_config.document import KINDS

    present = [k for k in KINDS if k in doc]
    return [k for k in present if not given or k in given]


async def export_config(call: MetaCall, parsed: ExportConfigArgs) -> ToolResult:
    from ..license_config.document import KINDS
    from ..license_config.export import ExportError, ReadFailed
    from ..license_config.live import read_license

    try:
        doc = await read_license(call.meta.runtime, call.context, _kinds(parsed.kinds))
    except (ReadFailed, ExportError) as exc:
        return _failed(exc)
    if parsed.view == "summary":
        counts = {k: len(v) if isinstance(v, list) else {p: len(x) if isinstance(x, (list, dict)) else x
                                                         for p, x in v.items()}
                  for k, v in doc.items() if k in KINDS}
        return ToolResult({"source": doc["source"], "counts": counts, **({"omitted": doc["omitted"]}
                                                                         if "omitted" in doc else {})})
    return ToolResult(doc)


async def _against_license(call: MetaCall, document: dict[str, Any], given: Sequence[str] | None, converging: bool
                           ) -> tuple[dict[str, Any], dict[str, Any], list[str]] | ToolResult:
    """(the document, the license's export of the kinds compared and of what they name, the kinds
    compared). Diffing reads groups and bots the document has (a rename reads through); converging
    reads them always (names become the target's ids) and agents when groups are converged (a
    member must exist)."""
    from ..license_config.document import KINDS, DocumentError, load
    from ..license_config.export import ExportError, ReadFailed
    from ..license_config.live import read_license

    try:
        doc = load(document)
        kinds = _kinds(given, doc) or []
        if converging:
            names = {"groups", "bots", *({"agents"} if "groups" in kinds else set())}
        else:
            names = {k for k in ("groups", "bots") if k in doc}
        live = await read_license(call.meta.runtime, call.context, [k for k in KINDS if k in kinds or k in names])
    except (ReadFailed, ExportError, DocumentError) as exc:
        return _failed(exc)
    return doc, live, kinds


async def diff_config(call: MetaCall, parsed: DiffConfigArgs) -> ToolResult:
    found = await _against_license(call, parsed.document, None, converging=False)
    if isinstance(found, ToolResult):
        return found
    doc, live, kinds = found
    from ..license_config.compare import compare, words

    result = compare(doc, live, kinds)
    return ToolResult({**result, "text": words(result)})


async def plan_config(call: MetaCall, parsed: PlanConfigArgs) -> ToolResult:
    from ..license_config.compare import pair_documents
    from ..license_config.converge import converge
    from ..license_config.planner import build, planning_policy

    meta, runtime = call.meta, call.meta.runtime
    found = await _against_license(call, parsed.document, None, converging=True)
    if isinstance(found, ToolResult):
        return found
    doc, live, kinds = found
    key = await plan_key(meta)
    if isinstance(key, ToolResult):
        return key
    paired = pair_documents(doc, live, kinds)
    steps = converge(paired, live, prune=parsed.prune, client_id=runtime.client_id)
    built = await build(steps.steps, pipeline=runtime.pipeline, policy=planning_policy(runtime.policy),
                        session=call.session)
    left_out = steps.left_out + built.left_out
    base: dict[str, Any] = {
        **({"left_out": left_out} if left_out else {}),
        **({"not_compared": paired.not_compared} if paired.not_compared else {}),
        "same_license": paired.same, "prune": parsed.prune,
    }
    if not built.plan.steps:
        note = "The license already matches the document" if not left_out else \
            "Nothing to plan: what differs is listed under left_out"
        return ToolResult({"plan_id": None, "summary": {"steps": 0}, **base,
                           "note": note + ("." if parsed.prune else " (objects only in the license stay: prune "
                                           "deletes them).")})
    plan = signed(meta, built.plan, key)
    try:
        plan_id = await store_plan(runtime, plan, session=call.session)
    except StoreUnavailable as exc:
        return error_result("store_unavailable", f"The state store cannot be reached ({exc}); retry later. "
                            "Nothing was changed.")
    secrets = {f"step{built.numbers[int(name[4:].split('.')[0])]}.secret_key": what
               for name, what in steps.secrets.items() if int(name[4:].split('.')[0]) in built.numbers}
    answer = {
        "plan_id": plan_id, "mac": plan["mac"], "checks": plan["checks"], "summary": plan["summary"], **base,
        **({"secrets": {"names": secrets, "how": "supply each value when applying: `livechat-mcp plans apply ID "
                        "--secrets FILE` or apply_plan's secrets (a JSON object of name: value)"}}
           if secrets else {}),
        "note": f"Review it (livechat://plans/{plan_id}, `livechat-mcp plans show {plan_id}`; try it on a copy with "
                f"`livechat-mcp plans rehearse {plan_id}`), then apply it by id: apply_plan {{\"plan_id\": "
                f"\"{plan_id}\", \"mac\": ...}} or `livechat-mcp plans apply {plan_id}`.",
    }
    return ToolResult(answer)


def _plans(meta: MetaTools) -> bool:
    return meta.runtime.policy.policy.mode != "read-only"


EXPORT_CONFIG = MetaTool(
    name=names.EXPORT_CONFIG, title="Export configuration",
    description="The license's configuration as one document (keyed by names, no secrets): a backup, or input "
    "for diff_config and plan_config.",
    model=ExportConfigArgs, handler=export_config, read_only=True,
    search_hint="backup, snapshot, configuration as code",
)
DIFF_CONFIG = MetaTool(
    name=names.DIFF_CONFIG, title="Diff configuration",
    description="What differs between a configuration document and the license, per object and field.",
    model=DiffConfigArgs, handler=diff_config, read_only=True,
    search_hint="compare, drift, what changed",
)
PLAN_CONFIG = MetaTool(
    name=names.PLAN_CONFIG, title="Plan configuration",
    description="A stored plan making the license match a configuration document, reviewed and applied like any "
    "plan. Sends nothing.",
    model=PlanConfigArgs, handler=plan_config, read_only=True, available=_plans,
    fix=Change("mode", "dry-run"), search_hint="restore a backup, copy to another license",
)
