"""LiveChat errors and what a caller should do about each.

LiveChat reports errors as ``{"error": {"type", "message", "data"?}}``. The docs do not tie
types to HTTP statuses (some arrive with 200), so errors are recognised by the body's type.
"""

from __future__ import annotations

import re
from typing import Any

# What to do, per documented error type. Kept short: it ends up in the assistant's context.
HINTS: dict[str, str] = {
    "authentication": "The credential is missing, invalid or expired: check LIVECHAT_ACCESS_TOKEN "
    "(or LIVECHAT_ACCOUNT_ID + LIVECHAT_PAT) and restart the server.",
    "authorization": "Not allowed: the credential may lack a scope this action needs (grant it to the app "
    "or PAT), or the object belongs to someone else; the message says which.",
    "validation": "The request was rejected as invalid: correct the field named in the message and retry.",
    "not_found": "The object does not exist: list the resource to find the right id.",
    "group_not_found": "A group id does not exist: call list_groups to find valid ids.",
    "already_exists": "An object with this id or name exists already: use the update action, or a new id.",
    "limit_reached": "A limit is reached (the message says which: the license plan's, or one per client "
    "or per action): remove unused objects, or for plan limits upgrade "
    "(check_product_limits_for_plan shows them).",
    "too_many_requests": "The license's request quota is spent (shared by every integration): wait and retry.",
    "misdirected_request": "The license lives in another data center: set LIVECHAT_REGION to the region "
    "in data.region.",
    "request_timeout": "LiveChat did not finish within 15 s: retry, or narrow the request.",
    "internal": "LiveChat had an internal error: retry after a short wait.",
    "license_expired": "The LiveChat license has expired: renew it in the LiveChat app.",
    "ownership_transfer": "The license ownership is being transferred: retry once it completes.",
    "unsupported_version": "This API version is not supported for the license.",
    "unknown_outcome": "The request may or may not have been applied: read the object back before retrying.",
    "transport": "LiveChat could not be reached: check the network and LIVECHAT_API_URL, then retry.",
}


class LiveChatError(Exception):
    """An error answered by LiveChat (or by the transport on its way there)."""

    def __init__(
        self,
        type: str,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message
        self.data = data
        self.status = status
        self.hint = hint or hint_for(type, data, message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.data:
            out["data"] = self.data
        if self.status is not None:
            out["http_status"] = self.status
        out["what_to_do"] = self.hint
        return out


def hint_for(type: str, data: dict[str, Any] | None = None, message: str | None = None) -> str:
    hint = HINTS.get(type, "See the LiveChat error message.")
    if type == "misdirected_request" and data and data.get("region"):
        hint = f"The license lives in region {data['region']!r}: set LIVECHAT_REGION={data['region']}."
    if type == "authorization" and "secret" in (message or "").lower():
        hint = ("The secret was not accepted: use the bot's current secret (reset_bot_secret issues a new "
                "one, and the old one then stops working).")
    elif type == "authorization":
        scope = _scope_named(message, data)
        if scope:
            hint = (
                f"The credential lacks the scope {scope}: grant it to the app or PAT (then get a new "
                "token), or use an action the current scopes allow."
            )
    return hint


# A LiveChat scope: "agents--all:rw", "tags--all:ro", "webhooks.configuration:rw", "access_rules:ro".
_SCOPE = re.compile(r"\b[a-z][a-z0-9_]*(?:--[a-z_]+)?(?:\.[a-z_]+)*:r[ow]\b")


def _scope_named(message: str | None, data: dict[str, Any] | None) -> str | None:
    if data:
        for key in ("required_scope", "scope", "missing_scope"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    found = _SCOPE.findall(message or "")
    return " ".join(dict.fromkeys(found)) or None


def item_responses(result: Any, count: int) -> list[Any]:
    """A batch answer's ``responses``, exactly one per item sent: a missing one is an error."""
    got = result.get("responses", []) if isinstance(result, dict) else []
    missing = {"error": {"type": "internal", "message": "no response for this item"}}
    return [*got[:count], *[missing] * (count - len(got))]


def parse_error(body: Any) -> tuple[str, str, dict[str, Any] | None] | None:
    """``(type, message, data)`` when ``body`` is a LiveChat error object, else None."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        data = err.get("data")
        return (
            str(err.get("type") or "unknown"),
            str(err.get("message") or ""),
            data if isinstance(data, dict) else None,
        )
    return None
