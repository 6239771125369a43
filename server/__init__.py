"""livechat-mcp: an MCP server for the LiveChat Configuration API v3.6."""

__version__ = "0.1.0"
