"""TODO: filled by the greetings sandbox work."""

from .core import SandboxState


def seed(state: SandboxState) -> None:
    pass


HANDLERS: dict = {}
