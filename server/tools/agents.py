"""TODO: filled by the agents catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
