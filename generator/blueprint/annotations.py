"""The model's type annotations: the markers the model writes into them, and reading them back
(strip `Annotated[...]` and `X | None` down to what is inside)."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema


@dataclass(frozen=True)
class Meaning:
    """What a text pattern means, in words a user can act on: `Annotated[str, Field(pattern=...),
    Meaning("an EC2 instance type such as t3.medium")]`. A value that misses the pattern fails with the
    meaning in the error's context, so the loader says "'t3' is not an EC2 instance type such as
    t3.medium" with no table of patterns: the words live on the type they describe."""

    words: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        if schema.get("type") != "str" or "pattern" not in schema:
            raise TypeError(f"Meaning({self.words!r}) explains a pattern: put it after Field(pattern=...)")
        words = self.words

        def explain(value: Any, validate: core_schema.ValidatorFunctionWrapHandler) -> Any:
            try:
                return validate(value)
            except ValidationError as exc:
                (error,) = exc.errors()  # a string has one value to fail on
                if error["type"] != "string_pattern_mismatch":
                    raise  # pydantic keeps the error as it is (a wrong type, a wrong length)
                raise PydanticCustomError(
                    "string_pattern_mismatch", "String should match pattern '{pattern}'",
                    {**error.get("ctx", {}), "meaning": words},
                ) from None

        # A wrap validator is left out of the JSON Schema: editors see the plain pattern, as before.
        return core_schema.no_info_wrap_validator_function(explain, schema)


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
