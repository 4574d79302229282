"""Patches that make cfn-lint's JSON-schema plumbing cheap without changing what it reports.

cfn-lint 1.58 spends about half of a template's lint time on bookkeeping, not on checking:

- every rule that extends a validator calls `cfnlint.jsonschema.validators.create`, which builds a new
  dataclass (`exec` of generated code) each time, hundreds of times per template, although only
  ~15 distinct validator sets exist. `create` is a pure function of its arguments, so it is memoized
  on their values (the validator functions, the function filter's fields, the resolvers);
- `BaseJsonSchema.extend_validator` instantiates that class once with a throw-away
  `Template(None, {})` (which builds a graph and a condition set) only to `evolve` it at once into the
  instance it returns; the patch builds that instance directly, with the same field values;
- `evolve`/`descend` walk `dataclasses.fields(...)` on every call (tens of thousands of times); the
  fields of a dataclass never change after it is created, so they are looked up once per class;
- `Context.evolve` and `Validator.evolve` (tens of thousands of calls per template) rebuild the object
  through its generated `__init__`, which for these classes only stores each field: every field is
  copied from the original or taken from the arguments. The patched versions copy the fields
  directly, keep the same special case (`ref_values` is merged, not replaced) and still run
  `Validator.__post_init__`, which fills a missing context or resolver;
- every extended validator gets a new `RefResolver`, whose first `$ref` walks the whole schema for
  subschema ids, and each JSON-pointer fragment walks it twice more. Schemas are read-only documents
  loaded once, so both walks are remembered per schema document (held, so that its id stays its own);
- a root reads each child it nests twice, whole, with cfn-lint's loader: once for the parameters the
  child takes (E3043), once for its outputs (`Fn::GetAtt Child.Outputs.X`). Both only read what they
  get, so the two share one reading per child file (keyed by path, size, inode and modification
  time); the template a rule checks is still read afresh.

Only applied to the pinned cfn-lint version these were read from; any other version runs unpatched.
`tests/test_lint_speedups.py` lints a corpus of broken templates with and without the patches and
requires identical findings.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
from collections.abc import Callable, Mapping
from typing import Any

PATCHED_VERSION = "1.58.0"
ORIGINALS: dict[str, Any] = {}  # what each patch replaced, for the tests that compare the two
_applied = False


def apply() -> bool:
    """Patch cfn-lint in this process (idempotent); False when the installed version is not the one
    these patches were written for."""
    global _applied
    if _applied:
        return True
    if importlib.metadata.version("cfn-lint") != PATCHED_VERSION:
        return False
    import cfnlint.context.context as context_module
    import cfnlint.decode as decode_module
    import cfnlint.jsonschema._filter as filter_module
    import cfnlint.jsonschema.validators as validators_module
    import cfnlint.rules.jsonschema.Base as base_module
    import cfnlint.schema.resolver._resolver as resolver_module

    ORIGINALS.update(create=validators_module.create, context_evolve=context_module.Context.evolve,
                     extend_validator=base_module.BaseJsonSchema.extend_validator)
    for module in (context_module, filter_module, validators_module):
        module.fields = _fields  # type: ignore[attr-defined]
    validators_module.create = _memoized(validators_module.create, _evolve_validator)  # type: ignore[assignment]
    context_module.Context.evolve = _evolve_context  # type: ignore[method-assign]
    base_module.BaseJsonSchema.extend_validator = _extend_validator  # type: ignore[method-assign]
    ORIGINALS.update(decode=decode_module.decode, nested_stack_get_atts=context_module._nested_stack_get_atts)
    context_module._nested_stack_get_atts = _get_atts_reading_once  # type: ignore[attr-defined]
    resolver_class = resolver_module.RefResolver
    ORIGINALS.update(subschemas=resolver_class._get_subschemas_cache, fragment=resolver_class.resolve_fragment)
    resolver_class._get_subschemas_cache = _subschemas  # type: ignore[method-assign]
    resolver_class.resolve_fragment = _memoized_fragment(resolver_class.resolve_fragment)  # type: ignore[method-assign]
    _applied = True
    return True


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


def _fields(cls: Any) -> tuple[dataclasses.Field[Any], ...]:
    """`dataclasses.fields`, once per class (instances are only ever passed their class's fields)."""
    kind = cls if isinstance(cls, type) else type(cls)
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = dataclasses.fields(kind)
    return found


def _memoized(create: Callable[..., type], evolve: Callable[..., Any]) -> Callable[..., type]:
    classes: dict[tuple[Any, ...], type] = {}

    def memoized_create(validators: Mapping[str, Any] | None = None, function_filter: Any = None,
                        fn_resolvers: Mapping[str, Any] | None = None) -> type:
        key = (tuple((validators or {}).items()), _filter_key(function_filter),
               tuple((fn_resolvers or {}).items()))
        made = classes.get(key)
        if made is None:
            made = classes[key] = create(validators, function_filter, fn_resolvers)
            made.evolve = evolve  # type: ignore[attr-defined]
        return made

    return memoized_create


def _evolve_context(self: Any, **changes: Any) -> Any:
    """`Context.evolve`: a frozen dataclass of plain fields, no `__post_init__`. Only the fields are
    copied, not a `cached_property` computed from them."""
    if "ref_values" in changes:
        changes["ref_values"] = {**self.ref_values, **changes["ref_values"]}
    return _copy_fields(self, changes)


def _evolve_validator(self: Any, **changes: Any) -> Any:
    """`Validator.evolve`. Its init-less fields (type and format checkers, keyword functions, resolvers)
    are the class's own constants, the same in the copy as in a new instance."""
    evolved = _copy_fields(self, changes)
    evolved.__post_init__()  # as `__init__` would: fills a context or resolver that is None
    return evolved


def _copy_fields(original: Any, changes: dict[str, Any]) -> Any:
    kind = type(original)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = frozenset(f.name for f in _fields(kind))
    copy = object.__new__(kind)
    state = copy.__dict__
    state.update(original.__dict__)
    state.update(changes)
    if len(state) != len(names):  # an unknown argument, or a cached_property beside the fields
        unknown = changes.keys() - names
        if unknown:
            raise TypeError(f"{kind.__name__}.evolve() got unexpected arguments {sorted(unknown)}")
        for extra in state.keys() - names:  # computed from the original's fields: not carried over
            del state[extra]
    return copy


_FIELD_NAMES: dict[type, frozenset[str]] = {}
_SUBSCHEMAS: dict[int, tuple[Any, dict[str, list[Any]]]] = {}  # id(schema) -> (schema, its subschemas by keyword)


def _subschemas(self: Any) -> dict[str, list[Any]]:
    """`RefResolver._get_subschemas_cache`, once per schema document rather than once per resolver."""
    if self._subschemas_cache is None:
        held = _SUBSCHEMAS.get(id(self.referrer))
        if held is None or held[0] is not self.referrer:
            held = _SUBSCHEMAS[id(self.referrer)] = (self.referrer, ORIGINALS["subschemas"](self))
        self._subschemas_cache = held[1]
    return self._subschemas_cache  # type: ignore[no-any-return]


def _memoized_fragment(resolve_fragment: Callable[..., Any]) -> Callable[..., Any]:
    """`RefResolver.resolve_fragment` remembered per (document, fragment); failures are not remembered."""
    found: dict[tuple[int, str], tuple[Any, Any]] = {}

    def memoized(self: Any, document: Any, fragment: str) -> Any:
        key = (id(document), fragment)
        held = found.get(key)
        if held is None or held[0] is not document:
            held = found[key] = (document, resolve_fragment(self, document, fragment))
        return held[1]

    return memoized


def _filter_key(function_filter: Any) -> tuple[Any, ...] | None:
    """A FunctionFilter is a plain (unhashable) dataclass whose behaviour is its field values."""
    if function_filter is None:
        return None
    values = (getattr(function_filter, f.name) for f in _fields(type(function_filter)))
    return (type(function_filter), *(tuple(v) if isinstance(v, list) else v for v in values))


def _extend_validator(self: Any, validator: Any, schema: Any, context: Any,
                      validators: dict[str, Any] | None = None) -> Any:
    """`BaseJsonSchema.extend_validator` without the intermediate instance: same class, schema,
    function filter (the class default, as before), template, context and a resolver for `schema`."""
    from cfnlint.schema.resolver import RefResolver

    all_validators = self._get_validators()
    if validators:
        all_validators.update(validators)
    extended = validator.extend(validators=all_validators)
    return extended(schema=schema, cfn=validator.cfn, context=context,
                    resolver=RefResolver.from_schema(schema))


def apply_to_rules(rules: Any) -> None:
    """The part that patches loaded rules: cfn-lint loads its rule modules from their files under names of
    their own, so E3043's module is reached through its rule. After `apply()`."""
    if not _applied:
        return
    for rule in rules.values():
        if rule.id == "E3043":
            module_globals = type(rule)._get_template_parameters.__globals__
            if module_globals.get("decode") is ORIGINALS["decode"]:
                module_globals["decode"] = _read_child


_CHILDREN: dict[tuple[str, int, int, int], Any] = {}


def _read_child(filename: str) -> Any:
    """cfn-lint's `decode` of a nested child, once per file version in this process. Its two readers
    catch whatever reading raises, as they did around `decode`."""
    found = os.stat(filename)
    key = (filename, found.st_size, found.st_ino, found.st_mtime_ns)
    read = _CHILDREN.get(key)
    if read is None:
        read = _CHILDREN[key] = ORIGINALS["decode"](filename)
    return read


def _get_atts_reading_once(filename: str, template_url: str) -> Any:
    """`_nested_stack_get_atts`, whose `from cfnlint.decode import decode` finds `_read_child` meanwhile."""
    import cfnlint.decode as decode_module

    decode_module.decode = _read_child  # type: ignore[assignment]
    try:
        return ORIGINALS["nested_stack_get_atts"](filename, template_url)
    finally:
        decode_module.decode = ORIGINALS["decode"]
