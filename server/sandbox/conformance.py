"""docs/conformance.md: how each of the 72 actions (sandbox and tool schema) matches the reference.

The table is generated from the catalogue and the notes below; ``tests/test_conformance_doc.py``
keeps docs/conformance.md equal to ``render()`` and checks the notes against the code (every
action that takes ``owner_client_id`` has a credential note, every private-scope action a scope
note, ...), so the document cannot drift. Regenerate with
``python -m server.sandbox.conformance > docs/conformance.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..tools import catalog

COLUMNS = ("request", "response", "errors", "scopes", "semantics", "credential")
HEADERS = ("Request fields", "Response shape", "Errors", "Scopes", "Semantics", "Credential rules")


@dataclass(frozen=True)
class Note:
    key: str
    column: str
    actions: tuple[str, ...]
    text: str


def _with_batches(*names: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        out.append(name)
        batch = catalog()[name].batch_name
        if batch:
            out.append(batch)
    return tuple(out)


_OWNER_OPTIONAL = ("create_bot", "batch_create_bots", "reset_bot_secret", "enable_license_webhooks",
                   "disable_license_webhooks", "get_license_webhooks_state")
_OWNER_REQUIRED = ("create_bot_template", "delete_bot_template", "update_bot_template", "list_bot_templates",
                   "reset_bot_template_secret", "register_property", "unregister_property", "publish_property",
                   "list_properties", "register_webhook", "list_webhooks", "unregister_webhook")
_WORK_SCHEDULER = _with_batches("create_agent", "update_agent", "create_bot", "update_bot")

NOTES: tuple[Note, ...] = (
    # --- credential rules -----------------------------------------------------------------------
    Note("C1", "credential", _OWNER_OPTIONAL,
         "`owner_client_id` is \"Required only when authorizing via PATs\": a Bearer caller may omit it "
         "(the token's client id is used; a given one wins), a PAT caller without it gets `validation`. "
         "The MCP server fills it in from token info with a Bearer token and refuses a PAT call without it "
         "before sending. A given client id must belong to the caller's organization (`authorization`)."),
    Note("C2", "credential", _OWNER_REQUIRED,
         "`owner_client_id` is marked required and \"must be owned by your organization\", yet the "
         "reference's own examples omit it (list_bot_templates sends `{}`). Deviation: the sandbox lets a "
         "Bearer token supply it, as the examples do; a PAT caller must send it (`validation`). The MCP "
         "server always sends it with a Bearer token (from token info), so LiveChat receives the documented "
         "request; the tool schema marks it optional and says so. A client id of another organization is "
         "refused (`authorization`); another client's template, property or webhook is `not_found`."),
    # --- scopes ---------------------------------------------------------------------------------
    Note("S1", "scopes", (*_with_batches("suspend_agent", "unsuspend_agent", "approve_agent"),
                          "check_product_limits_for_plan"),
         "Needs a private scope (`sessions--all:rw` / `subscription.lc:rw`) that an app made in the "
         "Developer Console never holds: the sandbox's ordinary app token (the one `--sandbox` and "
         "`livechat-mcp sandbox` give first) is refused with `authorization`, and `--sandbox` hides the "
         "tool with the reason (`livechat-mcp policy`). The all-scopes token "
         "(`LIVECHAT_SANDBOX_TOKEN=dal:sandbox-token-all-scopes`) holds them."),
    Note("S2", "scopes", _with_batches("create_agent"),
         "`awaiting_approval: false` needs the private `subscription.lc:rw`, a role above normal "
         "`accounts.roles.lc--all:rw` (footnotes); the base scopes `accounts--all:rc` / `accounts--all:rw` "
         "are read as alternatives."),
    # --- response shapes ------------------------------------------------------------------------
    Note("R1", "response", ("list_agents",),
         "Answers in its example's names, which differ from get_agent's: `avatar_path` (a URL without "
         "scheme) instead of `avatar`, `summaries` for the `email_subscriptions` field."),
    Note("R2", "response", ("get_bot",),
         "Without `fields`, answers the example's fields: `max_chats_count` and `groups` included, although "
         "the field table lists them as additional (the example is what clients are written against)."),
    Note("R3", "response", ("list_groups",),
         "Without `fields`, `routing_status` is included, as in the example, although the field table lists it "
         "as additional."),
    Note("R4", "response", ("get_product_source",),
         "Deviation: adds `sandbox: true` and `notice` to the documented fields, so nobody mistakes the "
         "emulator for a real license."),
    Note("R5", "response", ("update_license_properties", "update_group_properties", "unban_customer"),
         "Answers `{}`: both pages show `{}` for the two property updates beside \"No response payload\"; "
         "unban_customer's example is only named, `{}` is assumed (the other writes answer an empty 200 body)."),
    Note("R6", "response", ("list_customer_bans", "unban_customer", "create_greeting", "list_greetings",
                            "get_greeting"),
         "Only the newer page documents this method and it names its response example without showing it: "
         "the shape follows the field tables (see the resource module)."),
    Note("R7", "response", ("issue_bot_token",),
         "Deviation: the token is an opaque sandbox string, not a JWT."),
    # --- request fields -------------------------------------------------------------------------
    Note("Q1", "request", _with_batches("update_agent"),
         "`work_scheduler` takes the documented `{timezone, schedule[]}` and the per-day shape the "
         "reference's example sends; either reads back in the documented shape (the agent's timezone kept)."),
    Note("Q2", "request", _WORK_SCHEDULER,
         "`start`/`end` must be HH:MM: livechat-mcp's own rule (the reference states no format; its "
         "examples use HH:MM), and the error says so."),
    Note("Q3", "request", ("create_group", "update_group", "register_webhook", "unban_customer",
                           "register_property"),
         "A check the reference does not state, kept as livechat-mcp's own safety rule and named so in the "
         "error: `language_code` looks like a language code, a webhook `url` starts with http(s)://, "
         "`ip` is an IP address, a property `range.from` is not above `range.to`."),
    # --- errors ---------------------------------------------------------------------------------
    Note("E1", "errors", ("delete_group", *_with_batches("delete_agent", "suspend_agent", "update_agent")),
         "The reference names no error for deleting the default group 0, or for deleting, suspending or "
         "changing the role of the license owner; the sandbox refuses them with `validation` (LiveChat's "
         "apps do not allow them either)."),
    # --- semantics ------------------------------------------------------------------------------
    Note("M1", "semantics", ("delete_group",),
         "Cleans every reference the reference implies: agents' and bots' memberships, tags' `group_ids`, "
         "auto access rules (a rule left with no group is removed: `access.groups` is required), the "
         "group's greetings (a greeting has one group) and its group properties."),
    Note("M2", "semantics", ("list_customer_bans", "unban_customer"),
         "Bans expire with the sandbox clock (real time; `POST /_sandbox/clock` or `Sandbox.clock` freezes "
         "or moves it)."),
    Note("M3", "semantics", ("request_agent_unsuspension",),
         "Deviation: no email is sent; the request is recorded in the sandbox state."),
    Note("M4", "semantics", ("create_bot_template", "update_bot_template", "delete_bot_template",
                             "reset_bot_template_secret"),
         "The sandbox license has every app installed: `affect_existing_installations` acts on it at once."),
    Note("C3", "credential", ("list_bots",),
         "`all: false` depends on the credential, as documented: a Bearer caller gets the bots its app "
         "created, a PAT caller every bot created with a PAT."),
    Note("M6", "semantics", ("list_properties", "update_license_properties", "list_license_properties",
                             "delete_license_properties", "update_group_properties", "list_groups_properties",
                             "delete_group_properties"),
         "The `test` namespace is shared (\"rw for everyone everywhere\"): no client lists or owns its "
         "definitions, any client with the value scopes reads and writes it."),
)

GLOBAL = (
    "Every action: a request field the reference does not name is refused with `validation` (\"unknown "
    "field ... livechat-mcp's own safety rule\"): LiveChat ignores such fields in some methods.",
    "Every action: configuration applies at once (the reference allows up to 2 minutes of propagation delay).",
    "Every action: HTTP statuses per error type are the sandbox's choice (the reference fixes none; clients key "
    "on `error.type`). `Content-Type` must be `application/json` (`validation` otherwise). A version other "
    "than v3.6 in the path answers `unsupported_version` as JSON (real LiveChat still serves older versions; "
    "the sandbox emulates v3.6 only). \"No response payload\" is an empty 200 body.",
    "Batch actions run their items in order; the reference promises no order (\"executed concurrently\").",
)

DISAGREEMENTS = (
    ("Authentication", "the older text documents Bearer tokens only (and calls v3.6 a developer preview); "
     "the newer page recommends PATs and shows `Basic` in every example", "newer page: both credentials, "
     "with the PAT rules for `owner_client_id`"),
    ("create_agent `max_chats_count`", "older: \"Limited to 100\"; newer: \"Maximum: 20\"", "newer page: 0-20"),
    ("Response examples", "the older text shows the JSON; the newer page only names it (`<CodeResponse json=...>`)",
     "the older text's JSON examples and the newer page's `#### Response` sections, both checked by "
     "tests/test_sandbox_fidelity.py"),
    ("Customer bans, greetings (7 methods)", "only on the newer page", "newer page"),
    ("Data centers, `X-Region`, `misdirected_request`", "only in the older text", "older text (the newer is silent)"),
    ("unban_customer parameters", "the newer page's notes are copied from create_group (\"The group name\")",
     "its footnote: exactly one of `ip` and `customer_id`"),
)


def cell(action: str, column: str) -> str:
    keys = [n.key for n in NOTES if n.column == column and action in n.actions]
    return ", ".join(keys) if keys else "✓"


def render() -> str:
    lines = [
        "# Conformance: the sandbox and the tool schemas against the Configuration API v3.6 reference",
        "",
        "<!-- Generated by `python -m server.sandbox.conformance > docs/conformance.md`; "
        "tests/test_conformance_doc.py keeps it in sync. Do not edit by hand. -->",
        "",
        "References: `docs/reference/configuration-api-v3.6-current.mdx` (the newer page, which wins where the "
        "two differ), `configuration-api-v3.6.txt` (the older text, which carries the JSON response examples) "
        "and `api-methods-and-scopes-overview.txt` (scopes, errors).",
        "",
        "✓ means the sandbox and the tool's schema do what the reference documents; a key points at a note "
        "below: a decision where the reference is silent or contradicts itself, or a documented deviation and "
        "why. Behaviour is tested per class through both the raw HTTP API and the MCP tools "
        "(tests/test_sandbox_*.py with the dual-mode `api` fixture; response shapes against every JSON "
        "example in tests/test_sandbox_fidelity.py; credential rules in tests/test_sandbox_credentials.py).",
        "",
        "## Every action",
        "",
        *[f"- {text}" for text in GLOBAL],
        "",
        "## Per action",
        "",
        "| Action | " + " | ".join(HEADERS) + " |",
        "| --- |" + " --- |" * len(HEADERS),
    ]
    for name in catalog():
        lines.append(f"| `{name}` | " + " | ".join(cell(name, c) for c in COLUMNS) + " |")
    lines += ["", "## Notes", ""]
    for note in NOTES:
        lines.append(f"- **{note.key}** ({note.column}): {note.text}")
    lines += ["", "## Where the two reference pages disagree", "", "| Topic | Difference | We follow |",
              "| --- | --- | --- |"]
    for topic, difference, follow in DISAGREEMENTS:
        lines.append(f"| {topic} | {difference} | {follow} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
