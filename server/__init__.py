"""livechat-mcp: an MCP server for the LiveChat Configuration API v3.6.

Packages by concern, in layers; imports run one way, top to bottom (pyproject.toml's import-linter
contracts check it in CI, with no import circles anywhere):

- ``doors``: the ways in (MCP app, HTTP, hosted wiring, CLI, prompts, review app, docs);
- ``auth`` (hosted sign-in) and ``meta`` (the tools beyond the catalogue), independent;
- ``calls``: the call path (runtime, pipeline, apply, confirmations, objects, audit, answers);
- ``plans``, ``policies``, ``api`` (the LiveChat client) and ``sandbox``, independent;
- ``store``: shared state;
- ``safety`` (redaction, untrusted text) and ``tools`` (the catalogue), independent;
- ``errors``: the operator's ConfigError.

What a lower layer needs from a higher one is passed in (a callback, a protocol, data).
"""

__version__ = "0.1.0"
