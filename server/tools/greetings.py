"""TODO: filled by the greetings catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
