"""`python -m server.doors.cli`: the same as the `livechat-mcp` entry point."""

from __future__ import annotations

import sys

from .main import main

sys.exit(main())
