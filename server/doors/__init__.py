"""The doors people and assistants come in by: the MCP handlers (``mcp_app``), the HTTP
transport (``http``), the command line (``cli``), prompts, the plan review app, client
configuration entries and generated docs."""
