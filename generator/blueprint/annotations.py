"""Reading the model's type annotations: strip `Annotated[...]` and `X | None` down to what is inside."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to the model, dict or list inside."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            structured = [arg for arg in options if is_structured(arg)]
            annotation = (structured or options)[0]
        else:
            return annotation


def is_structured(annotation: Any) -> bool:
    inner = unwrap(annotation) if typing.get_origin(annotation) is typing.Annotated else annotation
    return (isinstance(inner, type) and issubclass(inner, BaseModel)) or typing.get_origin(inner) in (dict, list)
