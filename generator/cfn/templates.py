"""A set of CloudFormation templates as one deployable whole: nesting followed, values resolved.

`resolve` turns any property value into what it ends up being: a resource of some template, a
literal, or a parameter nobody in the set fills (`Param`). `references` lists every resource a value
takes the ID or an attribute of, and where in the value. Both cross nested stacks the same way
(`_stands_for`): a `Ref` to a parameter reads on in the parent stack's `Parameters`, a
`Fn::GetAtt Child.Outputs.X` in the child's outputs. So a rule can ask "which subnets does this load
balancer really land in", and the diff "which resources does this property follow".

Resolution fails closed: `Fn::If` gives both branches, `Fn::Sub`, `Fn::FindInMap`, `Fn::Join`/`Fn::Split`/
`Fn::Select` are followed over what they can resolve, a parameter nobody fills may be any of its allowed
values or its default, and whatever is not followed is `Opaque`, never a literal it might not be.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cfn import layout
from generator.cfn.artifacts import STACK_TYPE
from generator.cfn.reader import read_document


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

MAX_DEPTH = 40  # resolution is depth-bounded: odd or cyclic input ends as Opaque("too deep"), never a hang
MAX_VALUES = 256  # a value that may be more than this many things also "may be anything"
MAX_TEXTS = 64  # a text with more literal spellings than this is Opaque
_SUB_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")



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
    # (file, id of an intrinsic's node) -> (the node, what it resolves to); the node is kept so an id is not reused
    _memo: dict[tuple[str, int], tuple[Any, list[Value]]] = field(default_factory=dict, repr=False, compare=False)

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
        """Every value `value` (in `file`) may end up as; lists are flattened, `AWS::NoValue` is nothing.

        Fails closed: what is not followed comes back as an `Opaque` (or a `Param` for an input from
        outside), never as a literal it might not be. Results for intrinsics are memoised per node."""
        if _depth > MAX_DEPTH:
            return [Opaque("too deep")]
        if isinstance(value, list):
            return [item for element in value for item in self.resolve(file, element, _depth + 1)]
        if not isinstance(value, dict):
            return [Lit(value)]
        key = (file, id(value))
        cached = self._memo.get(key)
        if cached is None or cached[0] is not value:
            found = self._resolve_function(file, value, _depth + 1)
            if len(found) > MAX_VALUES:  # nested Fn::Ifs multiply: keep the audit linear in what it reads
                found = [*found[:MAX_VALUES], Opaque("too many values")]
            cached = (value, found)
            self._memo[key] = cached
        return list(cached[1])

    def branches(self, file: str, value: Any, _depth: int = 0) -> list[Any]:
        """The shapes a structured property may take: every branch of `Fn::If`, `AWS::NoValue` dropped,
        a JSON string parsed. A list gives one list holding every element any branch may put in it."""
        if _depth > MAX_DEPTH:
            return [value]
        if isinstance(value, list):
            return [[item for element in value for item in self.branches(file, element, _depth + 1)]]
        if isinstance(value, str) and value.lstrip().startswith("{"):
            document = read_document(value)
            return [value if document is None else document]
        if isinstance(value, dict) and len(value) == 1:
            (function, argument), = value.items()
            if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
                return self.branches(file, argument[1], _depth + 1) + self.branches(file, argument[2], _depth + 1)
            if function == "Ref" and argument == "AWS::NoValue":
                return []
        return [value]

    def _resolve_function(self, file: str, value: dict[str, Any], depth: int) -> list[Value]:
        if len(value) != 1:
            return [Opaque("mapping")]
        (function, argument), = value.items()
        if function in ("Ref", "Fn::GetAtt"):
            name, attribute = (str(argument), None) if function == "Ref" else split_get_att(argument)
            return self._resolve_name(file, name, attribute, depth)
        if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            return _distinct(self.resolve(file, argument[1], depth) + self.resolve(file, argument[2], depth))
        if function == "Fn::Sub":
            return self._resolve_sub(file, argument, depth)
        if function == "Fn::FindInMap" and isinstance(argument, list) and len(argument) in (3, 4):
            return self._resolve_find_in_map(file, argument, depth)
        if function == "Fn::Base64":
            return self.resolve(file, argument, depth)  # the text before encoding is what it means
        if function in ("Fn::Join", "Fn::Split", "Fn::Select") and isinstance(argument, list) and len(argument) == 2:
            return self._resolve_list_function(file, function, argument, depth)
        return [Opaque(function)]

    def _resolve_list_function(self, file: str, function: str, argument: list[Any], depth: int) -> list[Value]:
        first, second = argument
        if function == "Fn::Join":
            if first == ",":
                return self.resolve(file, second, depth)  # a comma list is a list (of subnets, of groups)
            parts = [self.resolve(file, part, depth) for part in second] if isinstance(second, list) else None
            return _texts(str(first), parts) if parts is not None else [Opaque("joined text")]
        if function == "Fn::Split":
            split: list[Value] = []
            for item in self.resolve(file, second, depth):
                is_text = isinstance(item, Lit) and isinstance(item.value, str) and isinstance(first, str) and first
                split += [Lit(part) for part in item.value.split(first)] if is_text else [item]
            return split
        options = self.resolve(file, second, depth)
        indexes = self.resolve(file, first, depth)
        if len(indexes) == 1 and isinstance(indexes[0], Lit) and str(indexes[0].value).isdigit():
            position = int(indexes[0].value)
            exact = 0 <= position < len(options) and not any(isinstance(o, Opaque | Param) for o in options)
            return [options[position]] if exact else options
        return options

    def _resolve_sub(self, file: str, argument: Any, depth: int) -> list[Value]:
        """`${X}` alone is X; a comma list of references is a list; anything else is text, literal when
        every reference in it is."""
        text, variables = argument, {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            text, variables = argument
        if not isinstance(text, str):
            return [Opaque("Fn::Sub")]

        def reference(name: str) -> list[Value]:
            if name in variables:
                return self.resolve(file, variables[name], depth)
            target, _, attribute = name.partition(".")
            return self._resolve_name(file, target, attribute or None, depth)

        pieces = text.split(",")
        if all(_SUB_REFERENCE.fullmatch(piece.strip()) or "${" not in piece for piece in pieces):
            found: list[Value] = []
            for piece in pieces:
                whole = _SUB_REFERENCE.fullmatch(piece.strip())
                found += reference(whole.group(1)) if whole else [Lit(piece.replace("${!", "${"))]
            return found if len(pieces) > 1 or _SUB_REFERENCE.fullmatch(text.strip()) else [Lit(text)]
        parts: list[list[Value]] = []
        for index, segment in enumerate(_SUB_REFERENCE.split(text)):
            # re.split alternates literal text and the captured reference name.
            parts.append(reference(segment) if index % 2 else [Lit(segment.replace("${!", "${"))])
        return _texts("", parts, template=text)

    def _resolve_find_in_map(self, file: str, argument: list[Any], depth: int) -> list[Value]:
        """Every value the lookup may give: a key that is not one literal may be any key of its level."""
        mappings = self.templates[file].data.get("Mappings")
        levels: list[Any] = [mappings] if isinstance(mappings, dict) else []
        for key in argument[:3]:
            keys = self.resolve(file, key, depth)
            literal = all(isinstance(k, Lit) for k in keys)
            levels = [level[name] for level in levels if isinstance(level, dict)
                      for name in ([str(k.value) for k in keys] if literal else list(level)) if name in level]
        found = [item for level in levels for item in self.resolve(file, level, depth)]
        default = argument[3].get("DefaultValue") if len(argument) == 4 and isinstance(argument[3], dict) else None
        if default is not None:
            found += self.resolve(file, default, depth)
        return found or [Opaque("Fn::FindInMap")]

    def _resolve_name(self, file: str, name: str, attribute: str | None, depth: int) -> list[Value]:
        """`Ref name` (attribute None) or `Fn::GetAtt name.attribute`, read on across the set; a parameter
        nobody fills may be any value it allows."""
        if name == "AWS::NoValue" and attribute is None:
            return []
        found = self._stands_for(file, name, attribute)
        if isinstance(found, _ReadOn):
            return self.resolve(found.file, found.value, depth)
        if isinstance(found, Param):
            return _parameter_values(found.file, found.name, self.templates[found.file].parameters[found.name])
        return [found]

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
            for name in _SUB_REFERENCE.findall(text if isinstance(text, str) else ""):
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


def _distinct(values: list[Value]) -> list[Value]:
    try:
        return list(dict.fromkeys(values))
    except TypeError:  # a literal of an unhashable kind, from data not read from YAML or JSON
        return values


def _parameter_values(file: str, name: str, declaration: Any) -> list[Value]:
    """What a parameter nobody in the set fills may be: each of its AllowedValues (and its Default);
    with a Default but no AllowedValues, the Default or anything else (`Param`); with neither, anything."""
    if not isinstance(declaration, dict) or str(declaration.get("Type", "")).startswith("AWS::SSM::Parameter"):
        return [Param(file, name)]  # an SSM parameter's Default is the parameter's name, not its value
    default, allowed = declaration.get("Default"), declaration.get("AllowedValues")
    values = [Lit(item) for item in allowed if not isinstance(item, dict | list)] if isinstance(allowed, list) else []
    if default is not None and not isinstance(default, dict | list) and Lit(default) not in values:
        values.append(Lit(default))
    return values if values and isinstance(allowed, list) else [*values, Param(file, name)]


def _texts(delimiter: str, parts: list[list[Value]], template: str | None = None) -> list[Value]:
    """Text joined from parts: every literal spelling it may have, or Opaque (carrying the text with
    `${?}` for what is computed, so that a rule may still read its literal part)."""
    shown = template if template is not None else delimiter.join(
        str(part[0].value) if len(part) == 1 and isinstance(part[0], Lit) else "${?}" for part in parts)
    if not all(isinstance(option, Lit) for part in parts for option in part):
        return [Opaque(shown)]
    count = 1
    for part in parts:
        count *= max(len(part), 1)
    if count > MAX_TEXTS:
        return [Opaque(shown)]
    combinations = itertools.product(*[[str(o.value) for o in part] for part in parts if part])
    return list(dict.fromkeys(Lit(delimiter.join(combination)) for combination in combinations))
