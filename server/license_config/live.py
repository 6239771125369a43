"""Reading a runtime's license into a document: each read through its pipeline (policy, budget,
an audit line per read), with progress to the caller."""

from __future__ import annotations

from typing import Any

from ..calls.context import CallContext
from ..calls.runtime import Runtime
from ..tools import catalog
from .export import ReadFailed, export


def source(runtime: Runtime) -> dict[str, Any]:
    """What an export says it was read from (no time: the same license gives the same bytes)."""
    return {"api": runtime.client.base_url, "region": runtime.client.region,
            "organization_id": runtime.identity.get("organization_id"), "client_id": runtime.client_id}


async def read_license(runtime: Runtime, context: CallContext, kinds: list[str] | None) -> dict[str, Any]:
    """The license's document (ReadFailed: a read failed; ExportError: names are ambiguous)."""
    pipeline = runtime.pipeline

    async def read(action: str, args: dict[str, Any]) -> Any:
        result = await pipeline.call(action, args, call=context, shape=False)
        if result.is_error:
            error = result.data.get("error", {}) if isinstance(result.data, dict) else {}
            raise ReadFailed(action, str(error.get("type", "error")), str(error.get("message", result.data)))
        return result.data

    def refused(action: str) -> str | None:
        decision = pipeline.decide(catalog()[action])
        return None if decision.allowed else f"rule {decision.rule}: {decision.reason}"

    return await export(read, refused, kinds, source=source(runtime), client_id=runtime.client_id,
                        progress=context.progress)
