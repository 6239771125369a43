"""Policies: which actions an assistant may use, and how."""

from .engine import Decision, Outcome, Policy, PolicyContext
from .loader import Overrides, PolicyError, load_policy, presets

__all__ = ["Decision", "Outcome", "Overrides", "Policy", "PolicyContext", "PolicyError", "load_policy", "presets"]
