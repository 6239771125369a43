"""TODO: filled by the webhooks catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
