"""A set of CloudFormation templates as one deployable whole: nesting followed, values resolved.

`resolve` turns any property value into what it ends up being: a resource of some template, a
literal, or a parameter nobody in the set fills (`Param`). `references` lists every resource a value
takes the ID or an attribute of, and where in the value. Both cross nested stacks the same way
(`_stands_for`): a `Ref` to a parameter reads on in the parent stack's `Parameters`, a
`Fn::GetAtt Child.Outputs.X` in the child's outputs. So a rule can ask "which subnets does this load
balancer really land in", and the diff "which resources does this property follow".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cfn import layout
from generator.cfn.artifacts import STACK_TYPE


@dataclass(frozen=True)
class Res:
    """A resource declared in one template of the set."""

    file: str
    id: str


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Param:
    """A parameter no template of the set fills: an input from outside."""

    file: str
    name: str


@dataclass(frozen=True)
class Opaque:
    """A value computed at deploy time that the audit does not model (Fn::Sub, pseudo parameters)."""

    text: str


Value = Res | Lit | Param | Opaque


@dataclass(frozen=True)
class Reference:
    """A resource a value takes the ID of (`attribute` None) or an attribute of, and where in the value:
    the keys and list positions down to it (a function's name is no step, a position in its argument is)."""

    where: tuple[str | int, ...]
    target: Res
    attribute: str | None


@dataclass(frozen=True)
class _ReadOn:
    """A name that stands for a value of another template of the set: a parent's or a child's."""

    file: str
    value: Any


@dataclass
class Template:
    name: str
    data: dict[str, Any]
    lines: dict[str, int] | None = None  # logical ID -> line, for data without cfn-lint's position marks

    @property
    def resources(self) -> dict[str, Any]:
        resources = self.data.get("Resources") or {}
        return resources if isinstance(resources, dict) else {}

    @property
    def parameters(self) -> dict[str, Any]:
        parameters = self.data.get("Parameters") or {}
        return parameters if isinstance(parameters, dict) else {}

    @property
    def outputs(self) -> dict[str, Any]:
        outputs = self.data.get("Outputs") or {}
        return outputs if isinstance(outputs, dict) else {}

    def line_of(self, logical_id: str) -> int:
        """The line of the resource's logical ID (as cfn-lint reports it), not of its first property."""
        if self.lines is not None:
            return self.lines.get(logical_id, 1)
        key = next((key for key in self.resources if key == logical_id), None)
        mark = getattr(key, "start_mark", None) or getattr(self.resources.get(logical_id), "start_mark", None)
        return mark.line + 1 if mark is not None else 1


def rendered_template(name: str, data: dict[str, Any], text: bytes) -> Template:
    """A template this tool rendered, from the data it rendered: nothing to parse. Lines come from the
    text's layout (block YAML, top-level keys at column 0, logical IDs indented two spaces)."""
    return Template(name, data, layout.entry_lines(text, "Resources"))


def resources_of(template: Template, kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.resources.items():
        if isinstance(resource, dict) and resource.get("Type") == kind:
            properties = resource.get("Properties") or {}
            yield logical_id, properties if isinstance(properties, dict) else {}


@dataclass
class TemplateSet:
    templates: dict[str, Template]
    parents: dict[str, tuple[str, str]] = field(default_factory=dict)  # child file -> (parent file, stack id)
    children: dict[tuple[str, str], str] = field(default_factory=dict)  # (parent file, stack id) -> child file
    # What layers above work out from the set, kept with it so that it is worked out once and shared
    # (generator/cfn/facts.py's Facts.of): by the kind of thing worked out.
    derived: dict[type, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, templates: list[Template]) -> TemplateSet:
        found = cls({template.name: template for template in templates})
        by_basename: dict[str, list[str]] = {}
        for template in templates:
            by_basename.setdefault(Path(template.name).name, []).append(template.name)
        for template in templates:
            for stack_id, properties in resources_of(template, STACK_TYPE):
                url = properties.get("TemplateURL")
                if not isinstance(url, str):
                    continue
                child = _child_file(template.name, url.rsplit("/", 1)[-1], by_basename)
                if child is not None and child != template.name:
                    found.parents.setdefault(child, (template.name, stack_id))
                    found.children[(template.name, stack_id)] = child
        return found

    @classmethod
    def of_documents(cls, documents: Mapping[str, dict[str, Any]]) -> TemplateSet:
        """A set over templates held in memory (file name -> plain data)."""
        return cls.of([Template(name, data) for name, data in documents.items()])

    def resource(self, ref: Res) -> dict[str, Any]:
        resource = self.templates[ref.file].resources.get(ref.id)
        return resource if isinstance(resource, dict) else {}

    def kind(self, value: Value) -> str | None:
        return self.resource(value).get("Type") if isinstance(value, Res) else None

    def properties(self, ref: Res) -> dict[str, Any]:
        properties = self.resource(ref).get("Properties") or {}
        return properties if isinstance(properties, dict) else {}

    def each(self, kind: str) -> Iterable[tuple[Res, dict[str, Any]]]:
        for name, template in self.templates.items():
            for logical_id, properties in resources_of(template, kind):
                yield Res(name, logical_id), properties

    # --- resolution -------------------------------------------------------------------------------

    def resolve(self, file: str, value: Any, _depth: int = 0) -> list[Value]:
        """Every value `value` (in `file`) may end up as; lists are flattened."""
        if _depth > 40:
            return [Opaque("too deep")]
        depth = _depth + 1
        if isinstance(value, list):
            return [item for element in value for item in self.resolve(file, element, depth)]
        if not isinstance(value, dict):
            return [Lit(value)]
        if len(value) != 1:
            return [Opaque("mapping")]
        (function, argument), = value.items()
        if function in ("Ref", "Fn::GetAtt"):
            name, attribute = (str(argument), None) if function == "Ref" else split_get_att(argument)
            found = self._stands_for(file, name, attribute)
            return self.resolve(found.file, found.value, depth) if isinstance(found, _ReadOn) else [found]
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            delimiter, parts = argument
            if delimiter == ",":
                return self.resolve(file, parts, depth)
            return [Opaque("joined text")]
        if function == "Fn::Split" and isinstance(argument, list) and len(argument) == 2:
            return self.resolve(file, argument[1], depth)
        if function == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
            index, items = argument
            options = self.resolve(file, items, depth)
            if isinstance(index, int) or (isinstance(index, str) and index.isdigit()):
                position = int(index)
                return [options[position]] if 0 <= position < len(options) and not _has_opaque(options) else options
            return options
        if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            return self.resolve(file, argument[1], depth) + self.resolve(file, argument[2], depth)
        return [Opaque(function)]

    def references(self, file: str, value: Any, where: tuple[str | int, ...] = (), _depth: int = 0
                   ) -> Iterator[Reference]:
        """Every resource `value` (in `file`) takes the ID or an attribute of, through `Ref`, `Fn::GetAtt`
        and `Fn::Sub`, inside any other function too; `where` is prefixed to each place found."""
        if _depth > 30:
            return
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from self.references(file, item, (*where, index), _depth)
            return
        if not isinstance(value, dict):
            return
        if not is_function(value):
            for key, item in value.items():
                yield from self.references(file, item, (*where, key), _depth)
            return
        (function, argument), = value.items()
        names: list[tuple[str, str | None]] = []
        inner: Any = None  # what else in the function may hold references
        if function == "Ref" and isinstance(argument, str):
            names = [(argument, None)]
        elif function == "Fn::GetAtt":
            names = [split_get_att(argument)]
        elif function == "Fn::Sub":
            text, variables = (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2 \
                else (argument, {})
            for name in _SUB_NAME.findall(text if isinstance(text, str) else ""):
                if not (isinstance(variables, dict) and name in variables):
                    target, _, attribute = name.partition(".")
                    names.append((target, attribute or None))
            inner = list(variables.values()) if isinstance(variables, dict) else None
        else:
            inner = argument  # Fn::Join, Fn::Select, Fn::If, ...
        for name, attribute in names:
            found = self._stands_for(file, name, attribute)
            if isinstance(found, Res):
                yield Reference(where, found, attribute)
            elif isinstance(found, _ReadOn):
                for reference in self.references(found.file, found.value, (), _depth + 1):
                    yield Reference(where, reference.target, reference.attribute)
        if inner is not None:
            yield from self.references(file, inner, where, _depth)

    def _stands_for(self, file: str, name: str, attribute: str | None) -> Value | _ReadOn:
        """What `Ref name` (attribute None) or `Fn::GetAtt name.attribute` in `file` stands for: one of
        the file's resources, a value to read on in another template of the set, a parameter nobody
        fills, or something this model does not follow (a pseudo parameter, a missing output)."""
        template = self.templates[file]
        child = self.children.get((file, name))
        if child is not None and attribute is not None and attribute.startswith("Outputs."):
            output = self.templates[child].outputs.get(attribute.removeprefix("Outputs."))
            if isinstance(output, dict) and "Value" in output:
                return _ReadOn(child, output["Value"])
            return Opaque(f"{name}.{attribute}")
        if name in template.resources:
            return Res(file, name)
        if attribute is not None:
            return Opaque(f"{name}.{attribute}")
        if name in template.parameters:
            parent = self.parents.get(file)
            if parent is not None:
                parent_file, stack_id = parent
                passed = self.properties(Res(parent_file, stack_id)).get("Parameters") or {}
                if isinstance(passed, dict) and name in passed:
                    return _ReadOn(parent_file, passed[name])
            return Param(file, name)
        return Opaque(name)


def _child_file(parent: str, basename: str, by_basename: dict[str, list[str]]) -> str | None:
    """The template a TemplateURL names: the one beside its parent, else the only one of that name.

    Several sets audited at once (`output/*/*.yaml`) each have a network.yaml; a root must not adopt
    another set's child.
    """
    candidates = by_basename.get(basename, [])
    beside = str(Path(parent).parent / basename)
    if beside in candidates:
        return beside
    return candidates[0] if len(candidates) == 1 else None


def is_function(value: dict[str, Any]) -> bool:
    """Whether a mapping is an intrinsic function (or a condition), not data."""
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


def split_get_att(argument: Any) -> tuple[str, str]:
    """`Fn::GetAtt`'s (resource, attribute), from its list form or its `Resource.Attribute` string."""
    if isinstance(argument, list) and len(argument) == 2:
        return str(argument[0]), str(argument[1])
    if isinstance(argument, str) and "." in argument:
        target, attribute = argument.split(".", 1)
        return target, attribute
    return str(argument), ""


_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")  # ${Name} or ${Resource.Attribute}; ${!Literal} is text


def _has_opaque(values: list[Value]) -> bool:
    return any(isinstance(value, Opaque) for value in values)
