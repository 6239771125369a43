"""Configuration as code: a whole license's configuration as one document, and what to do with it.

- ``document``: the format (``{"kind": "livechat-mcp/config", "schema_version": 1, ...}``), how
  each kind's objects are keyed (groups by name, agents by email, tags by name, ...), canonical
  bytes (sorted keys, stable order), and reading a document file.
- ``export``: reading a license into a document, each list read once, through the one call path.
- ``compare``: what differs between a document and a license (per object: created / changed
  field by field / deleted), in words and as JSON.
- ``converge``: the steps that make a license match a document, names mapped to the target's ids;
  what cannot be mapped is reported per object and left out, never guessed.
- ``planner``: those steps as an ordinary plan (validated, policy-decided, checked, signed by the
  caller like any other plan; server/plans/).
- ``seed``: a document loaded into a sandbox license (``livechat-mcp sandbox --seed FILE``).
- ``rehearse``: a stored plan applied to a private in-process sandbox holding a fresh export of
  the plan's target: what would happen, with nothing sent to the real license.

Layer: above the call path (server/calls/) and plans (server/plans/), which it uses to read and
to converge, and below the doors (server/meta/ tools, server/doors/ CLI and MCP), which call it.
It imports the sandbox only to seed and rehearse (a lower layer, like the catalogue).
"""
