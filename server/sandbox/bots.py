"""TODO: filled by the bots sandbox work."""

from .core import SandboxState


def seed(state: SandboxState) -> None:
    pass


HANDLERS: dict = {}
