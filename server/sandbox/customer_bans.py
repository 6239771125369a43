"""TODO: filled by the customer_bans sandbox work."""

from .core import SandboxState


def seed(state: SandboxState) -> None:
    pass


HANDLERS: dict = {}
