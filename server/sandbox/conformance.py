"""docs/conformance.md: how each of the 72 actions (sandbox and tool schema) matches the reference.

The notes below are the sandbox's decisions and deviations; *which cells are checked* comes from the
tests: each test names the cells it backs with ``@pytest.mark.conformance(column, *actions)`` (or a
parameter's mark), and ``tests/conformance_table.py`` collects them and calls ``render`` here. A
cell is ✓ only when a named test backs it; tests/test_conformance_doc.py keeps docs/conformance.md
equal to the generated text and checks the notes against the code. Regenerate with
``python tests/conformance_table.py > docs/conformance.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..tools import catalog

COLUMNS = ("request", "response", "errors", "scopes", "semantics", "credential")
HEADERS = ("Request fields", "Response shape", "Errors", "Scopes", "Semantics", "Credential rules")
# A decision: the reference is silent or contradicts itself, and the note says what we chose (our
# rule). A deviation: the sandbox differs from what the reference documents, on purpose.
KINDS = ("decision", "deviation")


@dataclass(frozen=True)
class Note:
    key: str
    column: str
    actions: tuple[str, ...]
    text: str
    kind: str = "decision"


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
_MY_BOTS = (*_with_batches("get_bot", "update_bot", "delete_bot"), "list_bots", "reset_bot_secret")
_MY_VALUES = ("update_license_properties", "list_license_properties", "delete_license_properties",
              "update_group_properties", "delete_group_properties")

NOTES: tuple[Note, ...] = (
    # --- credential rules -----------------------------------------------------------------------
    Note("C1", "credential", _OWNER_OPTIONAL,
         "`owner_client_id` is \"Required only when authorizing via PATs\": a Bearer caller may omit it "
         "(the token's client id is used; a given one wins), a PAT caller without it gets `validation`. "
         "Our rule: the MCP server fills it in from token info with a Bearer token and refuses a PAT call "
         "without it before sending. A given client id must belong to the caller's organization "
         "(`authorization`; Globex, the second license, owns none of Acme's apps)."),
    Note("C2", "credential", _OWNER_REQUIRED,
         "`owner_client_id` is marked required and \"must be owned by your organization\", yet the "
         "reference's own examples omit it (list_bot_templates sends `{}`). The sandbox lets a Bearer token "
         "supply it, as the examples do; a PAT caller must send it (`validation`). The MCP server always "
         "sends it with a Bearer token (from token info), so LiveChat receives the documented request; the "
         "tool schema marks it optional and says so. A client id of another organization is refused "
         "(`authorization`), Acme's apps named from Globex (the second license, another organization) too; "
         "another client's template, property or webhook is `not_found`."),
    Note("C3", "credential", _MY_BOTS,
         "The `--my` bot scopes reach the requester's own bots, as List Bots defines them: a Bearer token's "
         "are the bots its app made, a PAT's the bots made with a PAT (\"all agents who authorize with PATs "
         "will get the bot\"); a PAT has no client id, so it never acts as an app, not even when it names the "
         "app's client in `owner_client_id` (reset_bot_secret). The same rule for every action "
         "(server/sandbox/reach.py). Our rule: `agents-bot--all:rw` widens reset_bot_secret to other bots as it "
         "does the other bot methods (its page lists only the `--my` scope)."),
    Note("C4", "credential", _MY_VALUES,
         "`--my` reaches the namespace named after the requester's Client ID (\"If the requester's Client ID "
         "matches the namespace\"). A PAT has no Client ID: no namespace is its own, and a private property "
         "of an app is invisible to it (\"Unpublished (private) properties can be accessed only with a token "
         "belonging to the owner Client Id\")."),
    Note("C5", "credential", _OWNER_REQUIRED,
         "The accounts service's OAuth app (the client of every token it issues, for hosted mode) counts as owned "
         "by the organization of whoever signed in, and a client's definitions (bot templates, webhooks, property "
         "definitions) are kept per license: signed in to Globex the app has a second, separate set, and the "
         "per-client limits (five templates, three webhooks per action) count per license. In LiveChat a Client "
         "ID belongs to one organization (\"must be owned by your organization\": another organization's people "
         "are refused) and its definitions are the client's, not a license's. The built-in tokens and PATs "
         "(Acme's apps) are not affected.", "deviation"),
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
    Note("S3", "scopes", ("create_tag", "update_tag", "delete_tag"),
         "Our rule: with only `tags--groups:rw` (\"restricted to groups they are assigned to\") a tag must end up "
         "in at least one group, all of them the requester's: a tag in no group is in none of their groups "
         "(`tags--groups:ro` would not list it), so making or deleting one needs `tags--all:rw`."),
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
         "Adds `sandbox: true` and `notice` to the documented fields, so nobody mistakes the emulator for a "
         "real license.", "deviation"),
    Note("R5", "response", ("update_license_properties", "update_group_properties", "unban_customer"),
         "Answers `{}`: both pages show `{}` for the two property updates beside \"No response payload\"; "
         "unban_customer's example is only named, `{}` is assumed (the other writes answer an empty 200 body)."),
    Note("R6", "response", ("list_customer_bans", "unban_customer"),
         "Only the newer page documents this method; it names its response example without showing it and "
         "has no field table, so no test can compare the shape: a ban carries `ip`, `customer_id`, "
         "`agent_id`, `thread_id`, `created_at`, `expires_at` (our reading, server/sandbox/customer_bans.py)."),
    Note("R7", "response", ("issue_bot_token",),
         "The token is an opaque sandbox string with the region prefix, not a JWT.", "deviation"),
    Note("R8", "response", ("list_properties",),
         "An unpublished property answers `public_access: []` (the example shows a published one): every "
         "definition has the example's fields."),
    Note("R9", "response", ("get_agent", "list_agents"),
         "A field asked for with `fields` is answered even when never set (`job_title: \"\"`, `mobile: \"\"`, "
         "a work scheduler with no days): only `last_logout` is documented as \"omitted when no logout "
         "occurred\"."),
    Note("R11", "response", ("get_bot", "list_bots"),
         "A bot whose work scheduler was never set answers `work_scheduler: {}` when `fields` asks for it (an "
         "agent's answers `{\"schedule\": []}`, R9): our rule, kept so an export and re-import leave it unset."),
    Note("R10", "response", ("get_greeting", "list_greetings"),
         "Every field of get_greeting's response table is answered; only `active_from`/`active_until` are "
         "documented \"(if set)\" and left out when unset. Our rule: a greeting made without `rich_message` "
         "answers `rich_message: {}` (and `properties: {}`), as a requested field is answered elsewhere (R9)."),
    # --- request fields -------------------------------------------------------------------------
    Note("Q1", "request", _with_batches("update_agent", "create_agent"),
         "`work_scheduler` takes the documented `{timezone, schedule[]}` and, on update, the per-day shape "
         "the reference's example sends; either reads back in the documented shape (the agent's timezone "
         "kept). `timezone` is \"Required only when `schedule` is not empty\"."),
    Note("Q2", "request", _WORK_SCHEDULER,
         "`start`/`end` must be HH:MM: livechat-mcp's own rule (the reference states no format; its "
         "examples use HH:MM), and the error says so."),
    Note("Q3", "request", ("create_group", "update_group", "register_webhook", "unban_customer",
                           "register_property", *_with_batches("create_agent")),
         "A check the reference does not state, kept as livechat-mcp's own safety rule and named so in the "
         "error: a new agent's `id` is an email address (the lifecycle guide: \"the agent id field is the "
         "agent's email address\"), `language_code` looks like a language code, a webhook `url` starts with http(s)://, "
         "`ip` is an IP address, a property `range.from` is not above `range.to`. unban_customer: exactly "
         "one of `ip` and `customer_id` (its footnote; both rows say \"Yes*\")."),
    Note("Q4", "request", ("request_agent_unsuspension",),
         "Its Specifics table says \"Batch support: Yes\", but the page's list of batch methods has no URL "
         "for it and its empty request acts for the caller: no batch tool is offered."),
    Note("Q5", "request", ("add_auto_access", "update_auto_access"),
         "Our reading of \"required\": `access.groups` and `conditions.geolocation.values` need at least one "
         "item (an empty list would route a chat nowhere or never match; a rule a group deletion leaves with no "
         "group is deleted, M1), and a `url`/`domain` condition gives `values` or `exclude_values` with at least "
         "one value. The reference gives no minimum."),
    Note("Q6", "request", ("create_greeting", "update_greeting", "list_greetings"),
         "Where the page contradicts itself (server/tools/greetings.py): `rich_message.template_id` also takes "
         "`text`, which both examples send beside the listed `cards`/`sticker`/`quick_replies`; "
         "`elements[].image` is optional though marked required (both examples omit it); a URL object's `url` "
         "and `operator` are required inside `urls`; list_greetings refuses `page_id` with `groups`/`limit` "
         "(\"cannot be used with\") rather than ignoring them. Our rules where it is silent: `active_until` must be "
         "later than `active_from`, and the counting rule types' `value` is an integer string."),
    Note("Q7", "request", ("register_property",),
         "Footnote 2 (`default_value` only with a `license` or `group` location) is enforced by the sandbox "
         "(`validation`) although the page's own example breaks it; the tool schema lets it through and leaves "
         "the decision to the API. Footnote 1 (\"only one `domain` and one `range` can be set\") is read as one "
         "of each, so both may be given; a value must then fit both."),
    Note("Q8", "request", ("register_webhook",),
         "The actions table names an `agent_ids` filter for `routing_status_set` with no row in the parameter "
         "table: it is accepted as `{values}` or `{exclude_values}` of agent IDs (the shape of `user_ids`, our "
         "reading); `additional_data` is refused only for `agent_deleted` (the other action the page names, "
         "`agent_status_changed`, is not a v3.6 action)."),
    # --- errors ---------------------------------------------------------------------------------
    Note("E1", "errors", ("delete_group", *_with_batches("delete_agent", "suspend_agent", "update_agent")),
         "The reference names no error for deleting the default group 0, or for deleting, suspending or "
         "changing the role of the license owner; the sandbox refuses them with `validation` (LiveChat's "
         "apps do not allow them either)."),
    Note("E2", "errors", ("list_agents", "list_tags", "list_greetings", "list_groups_properties"),
         "Our rule where the reference is silent: a filter naming a group that does not exist (list_agents' and "
         "list_tags' `filters.group_ids`, list_greetings' `groups`) selects nothing, an empty answer; the groups "
         "list_groups_properties reads from are its targets, so a missing one is `group_not_found`."),
    Note("E3", "errors", _with_batches("delete_agent", "update_agent", "suspend_agent"),
         "The lifecycle guide's \"Cannot delete the last administrator\" (the API pages are silent), read as "
         "LiveChat users see it: its 'administrator' is any role above normal, and in LiveChat the last one is "
         "always the owner, whom nobody deletes, demotes or suspends (E1); every other administrator may go. Our "
         "rule for a license seeded without an owner: deleting, demoting to normal or suspending its last "
         "administrator who can use the license (approved, not suspended) is refused with `validation`."),
    # --- semantics ------------------------------------------------------------------------------
    Note("M1", "semantics", ("delete_group",),
         "Our rule where the reference is silent: deleting a group removes what would point at nothing, "
         "as the LiveChat app shows it: agents' and bots' memberships, tags' `group_ids`, auto access rules "
         "(a rule left with no group is deleted: `access.groups` is required), the group's greetings (a "
         "greeting has exactly one group), its group properties, queue and pre-chat survey settings "
         "(server/sandbox/resources.py `forget_group`)."),
    Note("M2", "semantics", ("list_customer_bans", "unban_customer"),
         "Bans expire with the sandbox clock (real time; `POST /_sandbox/clock` or `Sandbox.clock` freezes "
         "or moves it)."),
    Note("M3", "semantics", ("request_agent_unsuspension",),
         "No email is sent; the request is recorded in the sandbox state.", "deviation"),
    Note("M4", "semantics", ("create_bot_template", "update_bot_template", "delete_bot_template",
                             "reset_bot_template_secret"),
         "The sandbox license has every app installed: `affect_existing_installations` acts on it at once, on the "
         "license the request acts on only (the other sandbox license, where Acme's app's bots are seeded too, is "
         "not changed: see C5)."),
    Note("M5", "semantics", _with_batches("create_agent"),
         "Our rule where the reference is silent: an agent created without `groups` joins the General "
         "group (0), as agents invited in the LiveChat app do."),
    Note("M6", "semantics", ("list_properties", "update_license_properties", "list_license_properties",
                             "delete_license_properties", "update_group_properties", "list_groups_properties",
                             "delete_group_properties"),
         "The `test` namespace is shared (\"rw for everyone everywhere\"): no client lists or owns its "
         "definitions, any client with the `--all` value scopes reads and writes it."),
    Note("M7", "semantics", ("list_webhook_names",),
         "\"v3.5 stays supported alongside\" v3.6 (the scopes overview): version `3.5` is answered with the "
         "v3.6 list (the reference lists v3.6's only); other versions are `unsupported_version`."),
    Note("M8", "semantics", ("check_product_limits_for_plan",),
         "Plan limits are illustrative (LiveChat publishes none). The queue lengths (Messaging Mode off and "
         "on, for the license and per group) and the groups each pre-chat survey offers are set in the "
         "LiveChat app, not through this API: the sandbox seeds them (`state.extra[\"product_settings\"]`) "
         "so every documented resource can be reported; a group's id comes as a string, as in the example."),
    Note("M9", "semantics", ("update_group",),
         "Our rule where the reference is silent: `agent_priorities` replaces the membership map (members "
         "left out leave the group; the third-party lifecycle guide says they keep their priority). Sending "
         "the complete map gives the same result either way."),
    Note("M10", "semantics", ("unregister_property",),
         "Our rule where the reference is silent: the property's values (license and groups) go with it."),
    Note("M11", "semantics", ("update_company_details",),
         "`enrich: true` fills an empty company name from the URL's domain: a stand-in for LiveChat's "
         "enrichment, which the sandbox cannot reach.", "deviation"),
    Note("M13", "semantics", _with_batches("update_agent", "update_bot"),
         "Our reading where the reference is silent: `groups` (\"the groups an agent/bot belongs to\") replaces "
         "the memberships; groups left out are left. Send every group to keep one."),
    Note("M14", "semantics", _with_batches("approve_agent", "unsuspend_agent", "suspend_agent"),
         "Our rule: asking for the state an agent is already in (approving an approved agent, unsuspending an "
         "active one, suspending a suspended one) answers like the change and changes nothing; the reference "
         "names no error for it."),
    Note("M15", "semantics", (*_with_batches("suspend_agent", "unsuspend_agent", "approve_agent"),
                              "request_agent_unsuspension"),
         "Our rule where the reference is silent: a suspended agent's credentials (tokens and PATs) are refused "
         "with `authorization` whatever scopes they hold, except for request_agent_unsuspension (\"a suspended "
         "agent can send emails ... with an unsuspension request\"); unsuspended, they work again. An agent "
         "awaiting approval is refused until approved (approve_agent \"allowing the agent to use the "
         "application\"), and the accounts service does not sign it in meanwhile (`access_denied`, saying why; "
         "a suspended agent signs in, to ask to be unsuspended)."),
    Note("M16", "semantics", ("issue_bot_token",),
         "An issued bot token authenticates as its bot for 24 hours by the sandbox clock (\"valid for 24 hours\", "
         "\"cannot be revoked\": revoking it is refused, saying so), holding the three documented scopes (token "
         "info, `/v2/info`, names the bot, its app, the time left and the scopes, as for any Bearer token); its "
         "`agents-bot--my` scope reaches the bot itself (our reading of the one `--my` rule, "
         "server/sandbox/reach.py). The chat APIs it is meant for are not emulated."),
    Note("M12", "semantics", ("reactivate_email",),
         "Our rule: reactivating an address that did not bounce is a harmless no-op (the reference names no "
         "error for it)."),
)


@dataclass(frozen=True)
class Rule:
    """A statement about every action, and the tests that back it (none: a stated deviation)."""

    text: str
    tests: tuple[str, ...] = ()
    kind: str = "decision"


GLOBAL: tuple[Rule, ...] = (
    Rule("A request field the reference does not name is refused with `validation` (\"unknown field ... "
         "livechat-mcp's own safety rule\"): LiveChat ignores such fields in some methods. A body that is not "
         "JSON is `validation` too.",
         ("test_sandbox_conformance.py::test_bad_input_is_a_validation_error_naming_the_field",)),
    Rule("Configuration applies at once (the reference allows up to 2 minutes of propagation delay).",
         kind="deviation"),
    Rule("HTTP statuses: the scopes overview's table of errors lists status 200 beside every error type (the "
         "error travels in the JSON body); the two API pages fix none. The sandbox answers conventional statuses "
         "per type (400 validation, 401, 403, 404, 409, 421, 422, 429, 500; clients key on `error.type`, as the "
         "overview advises), so a client reading only the status sees an error.", kind="deviation"),
    Rule("`Content-Type` must be `application/json` (`validation` otherwise). \"No response "
         "payload\" is an empty 200 body.",
         ("test_sandbox_fidelity.py::test_content_type_is_checked",
          "test_sandbox_fidelity.py::test_no_payload_answers_are_empty")),
    Rule("Versions: v3.6 and v3.5 (\"v3.5 stays supported alongside it\") are served, v3.5 by the v3.6 "
         "emulation (the differences between the versions are not emulated); any other version in the path "
         "answers `unsupported_version` as JSON.",
         ("test_sandbox_fidelity.py::test_an_unknown_api_version_is_a_json_error",
          "test_sandbox_fidelity.py::test_v3_5_is_still_served"), kind="deviation"),
    Rule("Batch actions run their items in order and answer one response per item, in order; the reference "
         "promises the order of the answers only (\"executed concurrently\").",
         ("test_sandbox_conformance.py::test_a_batch_answers_one_response_per_item_in_order",)),
    Rule("Regions: tokens carry their data center's prefix (`dal:`/`fra:`; `livechat-mcp sandbox --region fra` "
         "issues `fra:` tokens); a request to the wrong region answers `misdirected_request` with the right "
         "one in `data.region`, as in the reference's error example.",
         ("test_sandbox_regions.py::test_a_fra_sandbox_issues_fra_tokens_everywhere",
          "test_sandbox_regions.py::test_livechat_mcp_sandbox_region_fra_prints_fra_tokens_the_server_then_uses",
          "test_sandbox_fidelity.py::test_the_error_example_is_the_sandboxs_error_shape")),
    Rule("Rate limit: every request counted against a license's quota (shared by every token and PAT of the "
         "license) answers `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, as the "
         "lifecycle guide documents them; Reset is in seconds (our rule: the reference names no unit), until "
         "the window frees a request; a 429 adds `Retry-After`. The client waits for the reset when "
         "Remaining reaches 0 instead of sending into a 429. Our rule: an anonymous call (list_webhook_names "
         "without a credential) belongs to no license and draws on no license's quota.",
         ("test_rate_limit_headers.py::test_every_counted_answer_carries_the_quota_shared_by_a_pat_and_a_token_of_the_license",
          "test_rate_limit_headers.py::test_an_anonymous_call_draws_on_no_licenses_quota",
          "test_rate_limit_headers.py::test_the_client_stops_before_the_limit_instead_of_meeting_a_429")),
    Rule("Accounts: whoever signs in to the sandbox's accounts service is an agent of their license, with "
         "that agent's role (`/v2/accounts/me`, token info, the audit and per-person rules see the same "
         "person the license does). Our rule: a token does no more than its person's role allows now, so an "
         "agent made a normal agent stops writing with the tokens they hold (a promotion grants no scope a "
         "token was not given).",
         ("test_sandbox_accounts.py::test_every_account_is_an_agent_of_its_license_with_its_role",
          "test_sandbox_accounts.py::test_a_signed_in_person_acts_as_their_agent",
          "test_sandbox_accounts.py::test_a_demoted_agents_tokens_lose_what_the_new_role_does_not_allow")),
    Rule("`--my` scopes: one rule for every action that has them (server/sandbox/reach.py); a PAT has no "
         "client id.",
         ("test_sandbox_my_scopes.py::test_every_action_with_a_my_scope_is_covered",)),
)

DISAGREEMENTS = (
    ("Authentication", "the older text documents Bearer tokens only (and calls v3.6 a developer preview); "
     "the newer page recommends PATs and shows `Basic` in every example", "newer page: both credentials, "
     "with the PAT rules for `owner_client_id`"),
    ("create_agent `max_chats_count`", "older: \"Limited to 100\"; newer: \"Maximum: 20\"", "newer page: 0-20"),
    ("Response examples", "the older text shows the JSON; the newer page only names most (`<CodeResponse json=...>`) "
     "and shows five", "all 35 JSON examples of both pages, each compared by "
     "tests/test_sandbox_fidelity.py (a test counts them)"),
    ("Customer bans, greetings (7 methods)", "only on the newer page", "newer page"),
    ("Data centers, `X-Region`, `misdirected_request`", "only in the older text", "older text (the newer is silent)"),
    ("unban_customer parameters", "the newer page's notes are copied from create_group (\"The group name\")",
     "its footnote: exactly one of `ip` and `customer_id`"),
    ("request_agent_unsuspension batch", "Specifics: \"Batch support: Yes\"; the list of batch methods: none",
     "no batch (note Q4)"),
    ("Scopes of some methods", "the scopes overview's Permission column names `properties--all:rw` for "
     "register_property, `webhooks--all:rw`/`webhooks--all:ro` for the webhook methods, `groups--all:rw` for "
     "update_group/delete_group and `agents--all:rw` for delete_agent; the API pages name "
     "`properties.configuration:rw`, `webhooks.configuration:rw`, the `--my`/`--all` pairs",
     "the API pages (their Required scopes rows, checked per action)"),
    ("Agent roles", "the lifecycle guide: 'administrator' or 'agent' (default 'agent'), and \"cannot delete the last "
     "administrator\"; the API pages: `viceowner`, `administrator`, `normal` (default `normal`), no such error",
     "the API pages' roles; the owner, always there and protected (note E1), is the last administrator, and a "
     "license seeded without one keeps its last administrator (note E3)"),
    ("update_group `agent_priorities`", "the lifecycle guide: omitted agents keep their priority; the API page "
     "is silent", "our rule: the map replaces the membership (note M9)"),
    ("Error statuses", "the scopes overview lists status 200 beside every error type; the API pages fix none",
     "conventional statuses per type (a deviation, see Every action)"),
)

Coverage = Mapping[tuple[str, str], Sequence[str]]  # (action, column) -> the tests backing the cell


def notes_for(action: str, column: str) -> list[Note]:
    return [n for n in NOTES if n.column == column and action in n.actions]


def cell(action: str, column: str, coverage: Coverage) -> str:
    keys = ", ".join(n.key for n in notes_for(action, column))
    mark = "✓" if coverage.get((action, column)) else "—"
    return f"{mark} {keys}".strip()


def clean(action: str, coverage: Coverage) -> bool:
    """Every column backed by a named test, and no deviation from the reference (a decision, where
    the reference is silent or contradicts itself, is not one)."""
    return all(coverage.get((action, c)) for c in COLUMNS) and not any(
        n.kind == "deviation" for c in COLUMNS for n in notes_for(action, c))


def clean_count(coverage: Coverage) -> int:
    return sum(clean(name, coverage) for name in catalog())


def _short(test: str) -> str:
    return test.split("::")[-1]


def render(coverage: Coverage) -> str:
    clean_actions = clean_count(coverage)
    checked = sum(1 for name in catalog() for c in COLUMNS if coverage.get((name, c)))
    lines = [
        "# Conformance: the sandbox and the tool schemas against the Configuration API v3.6 reference",
        "",
        "<!-- Generated by `python tests/conformance_table.py > docs/conformance.md` from the tests' "
        "`conformance` marks; tests/test_conformance_doc.py keeps it in sync. Do not edit by hand. -->",
        "",
        f"**{clean_actions} of the 72 actions are clean**: every column checked by a named test, and no "
        f"deviation from the reference. {checked} of the {72 * len(COLUMNS)} cells are checked.",
        "",
        "## How it was checked, and what it does not cover",
        "",
        "- References: `docs/reference/configuration-api-v3.6-current.mdx` (the newer page, which wins where "
        "the two differ), `configuration-api-v3.6.txt` (the older text, which carries most JSON response "
        "examples), `api-methods-and-scopes-overview.txt` (scopes, errors, versions) and "
        "`agent-lifecycle-guide.txt` (rate-limit headers).",
        "- ✓: a test named in the row's Tests column backs the cell and fails if it were wrong; it runs in CI "
        "through the sandbox's HTTP API (many also through the MCP tools). —: no test checks the cell, so "
        "nothing is claimed. A key points at a note below: a **decision** where the reference is silent or "
        "contradicts itself (our rule, labelled so in the code), or a **deviation** (the sandbox differs on "
        "purpose). The table is generated from the tests' marks, never written by hand.",
        "- The columns: **Request fields**: every parameter of the newer page's request table (nested ones "
        "too, with requiredness and type) is the tool schema's, and the reference's request examples "
        "validate and run. **Response shape**: the answer has the fields and JSON types of every JSON "
        "example of both pages and of the newer page's response table (\"No response payload\": an empty "
        "body). **Errors**: bad input is `validation` naming the field, an unknown object the documented "
        "`not_found`/`group_not_found`. **Scopes**: the catalogue names exactly the page's scopes, a "
        "credential without them is refused and any one alternative is enough. **Semantics**: the behaviour "
        "the method's text documents. **Credential rules**: a PAT and a Bearer token both call it, and the "
        "rules that differ between them (`owner_client_id`, `--my` scopes) hold.",
        "- Not covered: the sandbox is not LiveChat. Its behaviour is what the reference says, read by us; "
        "where the reference is silent, the notes say what we chose. Nothing here was compared with the "
        "real API (it cannot be reached from where the tests run). Chat-side effects (routing, webhooks "
        "being sent, emails) are not emulated; values the reference does not publish (plan limits, the real "
        "quota per plan) are illustrative.",
        "",
        "## Every action",
        "",
    ]
    for rule in GLOBAL:
        named = f" ({', '.join(f'`{_short(t)}`' for t in rule.tests)})" if rule.tests else ""
        label = " **Deviation.**" if rule.kind == "deviation" else ""
        lines.append(f"- {rule.text}{label}{named}")
    lines += [
        "",
        "## Per action",
        "",
        "| Action | " + " | ".join(HEADERS) + " | Tests |",
        "| --- |" + " --- |" * (len(HEADERS) + 1),
    ]
    for name in catalog():
        tests: list[str] = []
        for column in COLUMNS:
            for test in coverage.get((name, column), ()):
                if _short(test) not in tests:
                    tests.append(_short(test))
        row = " | ".join(cell(name, c, coverage) for c in COLUMNS)
        lines.append(f"| `{name}` | {row} | {', '.join(f'`{t}`' for t in tests)} |")
    lines += ["", "## Notes", ""]
    for note in NOTES:
        lines.append(f"- **{note.key}** ({note.column}, {note.kind}): {note.text}")
    lines += ["", "## Where the references disagree", "", "| Topic | Difference | We follow |",
              "| --- | --- | --- |"]
    for topic, difference, follow in DISAGREEMENTS:
        lines.append(f"| {topic} | {difference} | {follow} |")
    every = sorted({t for tests in coverage.values() for t in tests} | {t for r in GLOBAL for t in r.tests},
                   key=lambda t: (t.split("::")[0], _short(t)))
    lines += ["", "## The tests", ""]
    for test in every:
        file, _, name = test.partition("::")
        lines.append(f"- `{name}`: tests/{file}")
    return "\n".join(lines) + "\n"
