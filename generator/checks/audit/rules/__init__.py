"""One module per posture rule; `all_rules()` finds them, as cfn-lint finds its rules."""

from __future__ import annotations

import importlib
import pkgutil

from generator.checks.audit.rule import AuditRule


def all_rules() -> list[AuditRule]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found = [cls() for cls in _subclasses(AuditRule) if getattr(cls, "id", None)]
    return sorted(found, key=lambda rule: rule.id)


def _subclasses(base: type) -> list[type]:
    result = []
    for cls in base.__subclasses__():
        result.append(cls)
        result.extend(_subclasses(cls))
    return result
