"""A pattern's meaning lives on its type (annotations.Meaning): the words reach the loader in the error itself."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generator.blueprint.annotations import Meaning

Colour = Annotated[str, Field(min_length=2, pattern=r"^#[0-9a-f]{6}$"), Meaning("a colour such as #00ff00")]


class Palette(BaseModel):
    model_config = ConfigDict(strict=True)
    colours: dict[Colour, list[Colour]] = {}


def error_of(data: object) -> dict[str, object]:
    with pytest.raises(ValidationError) as failed:
        Palette.model_validate({"colours": data})
    (error,) = failed.value.errors()
    return dict(error)


def test_a_value_that_misses_the_pattern_carries_the_type_s_meaning() -> None:
    error = error_of({"#000000": ["green"]})

    assert error["type"] == "string_pattern_mismatch"
    assert error["loc"] == ("colours", "#000000", 0)
    assert error["ctx"] == {"pattern": r"^#[0-9a-f]{6}$", "meaning": "a colour such as #00ff00"}


def test_a_mapping_key_that_misses_the_pattern_carries_it_too() -> None:
    error = error_of({"red": []})

    assert (error["loc"], error["ctx"]["meaning"]) == (("colours", "red", "[key]"), "a colour such as #00ff00")  # type: ignore[index]


def test_other_failures_of_the_text_keep_their_own_kind() -> None:
    assert error_of({"#000000": ["#"]})["type"] == "string_too_short"
    assert error_of({"#000000": [7]})["type"] == "string_type"


def test_a_meaning_without_a_pattern_to_explain_is_refused_where_the_model_is_defined() -> None:
    with pytest.raises(TypeError, match="put it after Field"):
        class Loose(BaseModel):
            name: Annotated[str, Meaning("anything")]
