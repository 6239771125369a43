"""TODO: filled by the agents sandbox work."""

from .core import SandboxState


def seed(state: SandboxState) -> None:
    pass


HANDLERS: dict = {}
