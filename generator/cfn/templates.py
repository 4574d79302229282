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

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cfn import layout
from generator.cfn.artifacts import STACK_TYPE
from generator.cfn.reader import read_document
from generator.cfn.values import (
    MAX_DEPTH,
    Lit,
    Opaque,
    Param,
    ReadOn,
    Res,
    Value,
    distinct,
    is_function,
    may_be_absent,
    parameter_values,
    split_get_att,
    split_list,
    texts,
)

__all__ = ["Lit", "Opaque", "Param", "Res", "Value", "is_function", "split_get_att"]

MAX_VALUES = 256  # a value that may be more than this many things also "may be anything"
_SUB_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass(frozen=True)
class Reference:
    """A resource a value takes the ID of (`attribute` None) or an attribute of, and where in the value:
    the keys and list positions down to it (a function's name is no step, a position in its argument is)."""

    where: tuple[str | int, ...]
    target: Res
    attribute: str | None


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
    # child file -> every (parent file, stack id) that nests it
    parents: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    children: dict[tuple[str, str], str] = field(default_factory=dict)  # (parent file, stack id) -> child file
    unfollowed: list[Res] = field(default_factory=list)  # nested stacks whose template is not in the set
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
                basename = found._template_basename(template.name, properties.get("TemplateURL"))
                child = _child_file(template.name, basename, by_basename) if basename else None
                if child is None or child == template.name:
                    found.unfollowed.append(Res(template.name, stack_id))
                    continue
                # A child nested by several stacks (or roots) is judged over every parent's parameters.
                found.parents.setdefault(child, []).append((template.name, stack_id))
                found.children[(template.name, stack_id)] = child
        found._memo.clear()  # what was resolved while linking did not know the parents yet
        return found

    def _template_basename(self, file: str, url: Any) -> str | None:
        """The file name a TemplateURL ends in: its last path segment, when that is literal (an `Fn::Sub`
        or `Fn::Join` S3 URL usually computes only the bucket and region)."""
        texts = [value.value if isinstance(value, Lit) else value.text if isinstance(value, Opaque) else None
                 for value in self.resolve(file, url)]
        names = {text.rsplit("/", 1)[-1] for text in texts if isinstance(text, str)}
        if not texts or None in texts or len(names) != 1:
            return None
        name = names.pop()
        return name if name and "${" not in name else None

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
            return distinct(self.resolve(file, argument[1], depth) + self.resolve(file, argument[2], depth))
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
            return texts(str(first), parts) if parts is not None else [Opaque("joined text")]
        if function == "Fn::Split":
            split: list[Value] = []
            for item in self.resolve(file, second, depth):
                is_text = isinstance(item, Lit) and isinstance(item.value, str) and isinstance(first, str) and first
                split += [Lit(part) for part in item.value.split(first)] if is_text else [item]
            return split
        positions = {int(i.value) if isinstance(i, Lit) and str(i.value).isdigit() else None
                     for i in self.resolve(file, first, depth)}
        lists = None if None in positions else self._lists(file, second, depth)
        if lists is None:  # an index or a list not known: any element it may hold
            return self.resolve(file, second, depth)
        alternatives, anywhere = lists
        found = [option for elements in alternatives for position in positions if position < len(elements)
                 for option in elements[position]]
        return distinct(found + anywhere) or [Opaque("Fn::Select")]

    def _lists(self, file: str, value: Any, depth: int) -> tuple[list[list[list[Value]]], list[Value]] | None:
        """The lists `value` may be, for `Fn::Select` to index: each as what each of its elements may be,
        plus what may be at any position (a list parameter's allowed values); None when the positions of
        its elements are not known (an element that may be absent, a list computed at deploy time)."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(value, list):
            elements = [self.resolve(file, element, depth + 1) for element in value]
            if any(isinstance(e, list) or may_be_absent(e) for e in value) or not all(elements):
                return None
            return [elements], []
        if not isinstance(value, dict) or len(value) != 1:
            return None
        (function, argument), = value.items()
        if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            branches = [self._lists(file, branch, depth + 1) for branch in argument[1:]]
            if any(branch is None for branch in branches):
                return None
            return [a for b in branches for a in b[0]], [v for b in branches for v in b[1]]  # type: ignore[index]
        if function == "Fn::Split" and isinstance(argument, list) and len(argument) == 2 and \
                isinstance(argument[0], str) and argument[0]:
            texts = self.resolve(file, argument[1], depth + 1)
            if not all(isinstance(t, Lit) and isinstance(t.value, str) for t in texts):
                return None
            return [[[Lit(part)] for part in t.value.split(argument[0])] for t in texts], []  # type: ignore[union-attr]
        if function in ("Ref", "Fn::GetAtt"):
            name, attribute = (str(argument), None) if function == "Ref" else split_get_att(argument)
            alternatives: list[list[list[Value]]] = []
            anywhere: list[Value] = []
            for meaning in self._stands_for(file, name, attribute):
                if isinstance(meaning, ReadOn):
                    found = self._lists(meaning.file, meaning.value, depth + 1)
                    if found is None:
                        return None
                    alternatives += found[0]
                    anywhere += found[1]
                elif isinstance(meaning, Param):
                    declaration = self.templates[meaning.file].parameters[meaning.name]
                    default = split_list(declaration, declaration.get("Default")) \
                        if isinstance(declaration, dict) else None
                    if isinstance(default, list):
                        alternatives.append([[Lit(item)] for item in default])
                    # Any allowed value (or, without AllowedValues, anything) may be at any position.
                    values = parameter_values(meaning.file, meaning.name, declaration)
                    anywhere += [v for v in values if not (isinstance(default, list) and
                                                          isinstance(v, Lit) and v.value in default)] \
                        if not isinstance(declaration, dict) or "AllowedValues" not in declaration else values
                else:
                    return None
            return alternatives, anywhere
        return None

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
        return texts("", parts, template=text)

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
        found: list[Value] = []
        for meaning in self._stands_for(file, name, attribute):
            if isinstance(meaning, ReadOn):
                found += self.resolve(meaning.file, meaning.value, depth)
            elif isinstance(meaning, Param):
                found += parameter_values(meaning.file, meaning.name,
                                           self.templates[meaning.file].parameters[meaning.name])
            else:
                found.append(meaning)
        return distinct(found)

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
            for found in self._stands_for(file, name, attribute):
                if isinstance(found, Res):
                    yield Reference(where, found, attribute)
                elif isinstance(found, ReadOn):
                    for reference in self.references(found.file, found.value, (), _depth + 1):
                        yield Reference(where, reference.target, reference.attribute)
        if inner is not None:
            yield from self.references(file, inner, where, _depth)

    def _stands_for(self, file: str, name: str, attribute: str | None) -> list[Value | ReadOn]:
        """What `Ref name` (attribute None) or `Fn::GetAtt name.attribute` in `file` stands for: one of
        the file's resources, values to read on in other templates of the set (a parameter reads on in
        every parent that nests the file), a parameter nobody fills, or something this model does not
        follow (a pseudo parameter, a missing output, an attribute that is not the resource itself)."""
        template = self.templates[file]
        if name in template.resources:
            return [self._attribute(file, name, attribute)]
        if attribute is not None:
            return [Opaque(f"{name}.{attribute}")]
        if name not in template.parameters:
            return [Opaque(name)]
        meanings: list[Value | ReadOn] = []
        for parent_file, stack_id in self.parents.get(file, []):
            passed = self.properties(Res(parent_file, stack_id)).get("Parameters") or {}
            if not isinstance(passed, dict):
                meanings.append(Opaque(f"{stack_id}.Parameters"))
                continue
            if name in passed:
                meanings.append(ReadOn(parent_file, passed[name]))
            if name not in passed or may_be_absent(passed[name]):
                # Not passed (or passed as AWS::NoValue): CloudFormation uses the child's Default. It is
                # judged as a root's parameter is, on its Default and every value it allows.
                meanings.append(Param(file, name))
        return meanings or [Param(file, name)]

    def _attribute(self, file: str, name: str, attribute: str | None) -> Value | ReadOn:
        """`Fn::GetAtt name.attribute` of a resource of `file` (or its `Ref`, attribute None): the resource
        itself, except for attributes that name other things (a load balancer's security groups, a nested
        stack's outputs) and those of custom resources, which may be anything."""
        kind = str(self.resource(Res(file, name)).get("Type", ""))
        if attribute is None:
            return Res(file, name)
        if kind == STACK_TYPE and attribute.startswith("Outputs."):
            child = self.children.get((file, name))
            output = self.templates[child].outputs.get(attribute.removeprefix("Outputs.")) if child else None
            if isinstance(output, dict) and "Value" in output:
                return ReadOn(child, output["Value"])  # type: ignore[arg-type]
            return Opaque(f"{name}.{attribute}")
        if kind == "AWS::CloudFormation::CustomResource" or kind.startswith("Custom::"):
            return Opaque(f"{name}.{attribute}")
        named = _NAMED_BY_ATTRIBUTE.get((kind, attribute))
        if named is not None:
            value = self.properties(Res(file, name)).get(named)
            return ReadOn(file, value) if value is not None else Opaque(f"{name}.{attribute}")
        if (kind, attribute) in _OPAQUE_ATTRIBUTES:
            return Opaque(f"{name}.{attribute}")
        return Res(file, name)


# Attributes that stand for the value of one of the resource's properties, not for the resource.
_NAMED_BY_ATTRIBUTE = {("AWS::ElasticLoadBalancingV2::LoadBalancer", "SecurityGroups"): "SecurityGroups"}
# Attributes that name something the set does not declare (AWS made it): not the resource.
_OPAQUE_ATTRIBUTES = {("AWS::EC2::VPC", "DefaultSecurityGroup"), ("AWS::EC2::VPC", "DefaultNetworkAcl"),
                      ("AWS::EC2::SecurityGroup", "VpcId")}


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
