"""The error every layer may raise to the operator: a configuration problem (a credential, a
store URL, a key, a path, a policy file) that stops the server from starting and whose message
says how to fix it. At the bottom of the layers, so the store and the API client raise the same
error without importing each other.
"""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says how."""


class MissingCredentials(ConfigError):
    """No LiveChat credential in the environment and no --sandbox: the doors say the two ways
    forward in their reader's words (the CLI: server/doors/cli/base.py)."""
