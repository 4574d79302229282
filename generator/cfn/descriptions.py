"""How every template's Description is written, and CloudFormation's limit on it. The stack builders
describe their templates with `template_description`; the loader measures a blueprint's `description`
with the same function (the root stack's Description carries it), so the limit it documents is the real one."""

from __future__ import annotations

MAX_DESCRIPTION_BYTES = 1024  # CloudFormation: a template's Description is at most 1,024 bytes


def template_description(name: str, what: str) -> str:
    """`photos: Photo sharing API. Generated from blueprint 'photos'; do not edit.`"""
    return f"{name}: {what}. Generated from blueprint {name!r}; do not edit."


def description_room(name: str) -> int:
    """The bytes left for `what` in the Description of a template of the blueprint `name`."""
    return MAX_DESCRIPTION_BYTES - len(template_description(name, "").encode())
