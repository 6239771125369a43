"""TODO: filled by the properties catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
