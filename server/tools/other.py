"""TODO: filled by the other catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
