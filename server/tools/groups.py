"""TODO: filled by the groups catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
