"""The shape of a posture rule, after cfn-lint's: an id, a title, the reason, and a check.

Adding a rule means adding one module under `rules/` with one subclass of `AuditRule`, and a
template set in the mutation corpus that breaks it. The class is also the rule's documentation:
docs/audit.md is generated from these attributes (`reference.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from generator.cfn.facts import Facts
from generator.cfn.templates import Res


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    logical_id: str
    rule_id: str
    level: str
    title: str
    message: str

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.rule_id} {self.logical_id}: {self.message}"


class AuditRule:
    id: ClassVar[str]
    title: ClassVar[str]
    reason: ClassVar[str]  # why it matters, in one sentence
    invariant: ClassVar[str]  # the SPEC section 5 item it enforces
    # "error" fails the build; a "warning" is printed, and its description says why it may stand.
    level: ClassVar[str] = "error"
    # Markdown for the rule's note in docs/audit.md: how it reads the templates and what it leaves out,
    # when the title and reason do not say it all. Empty: the class's own docstring, if it has one.
    description: ClassVar[str] = ""

    @classmethod
    def note(cls) -> str:
        """The rule's note in docs/audit.md: its description, else its own docstring (not a base's)."""
        return cls.description or " ".join((cls.__dict__.get("__doc__") or "").split())

    def check(self, facts: Facts) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(self, facts: Facts, ref: Res, message: str) -> Finding:
        line = facts.set.templates[ref.file].line_of(ref.id)
        return Finding(ref.file, line, ref.id, self.id, self.level, self.title, message)
