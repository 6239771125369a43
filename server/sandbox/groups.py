"""TODO: filled by the groups sandbox work."""

from .core import SandboxState


def seed(state: SandboxState) -> None:
    pass


HANDLERS: dict = {}
