"""TODO: filled by the auto_access catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
