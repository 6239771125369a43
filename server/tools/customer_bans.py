"""TODO: filled by the customer_bans catalogue work."""

from .catalog import Action

ACTIONS: list[Action] = []
