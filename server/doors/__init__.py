"""The doors people and assistants come in by: the MCP handlers (``mcp_app``), the HTTP
transport (``http``), hosted mode's wiring (``hosted``: sign-in plus an MCP app per person), the
command line (``cli``), prompts, the plan review app and hosted mode's plan page (``plan_page``:
``/plans/{id}``, where approvers decide), client configuration entries and generated docs.

The top layer: may import every other package; nothing imports it.
"""
