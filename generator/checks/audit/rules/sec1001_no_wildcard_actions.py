from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


def _statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class NoWildcardActions(AuditRule):
    id = "SEC1001"
    title = "IAM policies name their actions"
    reason = "A `*` in an action grants whatever AWS adds to that service tomorrow."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        documents = []
        for ref, properties in facts.set.each("AWS::IAM::Role"):
            for policy in properties.get("Policies") or []:
                if isinstance(policy, dict):
                    documents.append((ref, policy.get("PolicyDocument")))
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            for ref, properties in facts.set.each(kind):
                documents.append((ref, properties.get("PolicyDocument")))
        for ref, document in documents:
            for statement in _statements(document):
                if statement.get("Effect") != "Allow":
                    continue
                if "NotAction" in statement:
                    yield self.finding(facts, ref, "Allow with NotAction grants everything else; list the actions")
                wild = [a for a in _as_list(statement.get("Action")) if isinstance(a, str) and "*" in a]
                if wild:
                    yield self.finding(facts, ref, f"action {wild[0]!r} uses a wildcard; name the actions")
