"""What a tool beyond the catalogue is: its name, words, argument model and annotations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import mcp_types as types

from ..tools.schema import input_schema
from ..tools.types import Input

Progress = Callable[[float, float | None, str], Awaitable[None]]


class _NoArguments(Input):
    pass


@dataclass(frozen=True)
class MetaTool:
    """A tool beyond the catalogue; like a catalogue action, its arguments are a model, so the
    schema clients see and the validation calls get come from one definition."""

    name: str
    title: str
    description: str
    model: type[Input]
    read_only: bool
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False

    def tool(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=input_schema(self.model),
            annotations=types.ToolAnnotations(
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=self.open_world,
            ),
        )
