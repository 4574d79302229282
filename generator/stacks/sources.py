"""Where each generated resource comes from: the blueprint key path its builder records in `Metadata.Source`.

A resource's source is the most specific blueprint key that makes it exist (`services.api.https` for the
HTTPS listener), so a reviewer reading a template or `blueprint diff` knows which key to change. Key
paths, not line numbers: they survive edits to the blueprint. A resource that several keys cause (the
callee's side of `talks_to` from several callers) lists them all. The builder that makes a resource
records its source there, with `from_blueprint` around the code that adds it; nothing guesses it later,
and `check_sources` refuses a template with a resource left without one (nothing falls back to its
template's block).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from troposphere import AWSObject, Template

from generator.cfn.metadata import SOURCE_KEY

Resource = TypeVar("Resource", bound=AWSObject)


class UnsourcedResource(Exception):
    """A builder added a resource without recording its blueprint source: a bug in the builder."""


def record_source(resource: Resource, *paths: str) -> Resource:
    """Record the blueprint key path(s) `resource` comes from, keeping any Metadata it has."""
    metadata = dict(getattr(resource, "Metadata", None) or {})
    metadata[SOURCE_KEY] = paths[0] if len(paths) == 1 else list(paths)
    resource.Metadata = metadata
    return resource


@contextmanager
def from_blueprint(template: Template, *paths: str) -> Iterator[None]:
    """Every resource added to `template` inside this block comes from `paths`, unless an inner block
    or `record_source` said more precisely where it comes from."""
    before = set(template.resources)
    yield
    for title, resource in template.resources.items():
        if title not in before and not has_source(resource):
            record_source(resource, *paths)


def has_source(resource: AWSObject) -> bool:
    return bool((getattr(resource, "Metadata", None) or {}).get(SOURCE_KEY))


def check_sources(filename: str, template: Template) -> Template:
    """Refuse a template with a resource whose builder recorded no source."""
    missing = [title for title, resource in template.resources.items() if not has_source(resource)]
    if missing:
        raise UnsourcedResource(f"{filename}: no blueprint source recorded for {', '.join(missing)}: "
                                "add them inside `from_blueprint` where the builder makes them")
    return template
