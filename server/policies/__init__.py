"""Policies: which actions an assistant may use, and how (``engine``: the policy and its
decisions; ``loader``: presets, files and overrides).

May import the catalogue (tools, meta tool names included) and errors; nothing of the call path.
"""

from .engine import Decision, Outcome, Policy, PolicyContext
from .loader import Overrides, PolicyError, load_policy, presets

__all__ = ["Decision", "Outcome", "Overrides", "Policy", "PolicyContext", "PolicyError", "load_policy", "presets"]
