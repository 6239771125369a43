"""TODO: filled by the bots catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
