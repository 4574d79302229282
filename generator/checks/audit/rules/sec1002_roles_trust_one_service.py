from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules.sec1001_no_wildcard_actions import _as_list


def _trusted(principal: Any, services: set[str]) -> str | None:
    """Why this principal is too wide, or None when it is exactly one AWS service."""
    if principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))):
        return "everyone (*)"
    if not isinstance(principal, dict):
        return "an unrecognised principal"
    if set(principal) != {"Service"}:
        other = sorted(set(principal) - {"Service"})
        return f"{', '.join(other)} principals"
    if len(services) != 1 or any("*" in service or "?" in service for service in services):
        return "more than one service"
    return None


class RolesTrustOneService(AuditRule):
    """Reads each role's trust policy, JSON strings (literal or `Fn::Sub` text) included, and every
    branch of an `Fn::If` around the document, a statement or a principal. The trust is judged as a
    whole: two statements trusting one service each trust two, and so do two branches of an `Fn::If`
    (a role whose trusted service a condition picks is better two roles)."""

    id = "SEC1002"
    title = "Each role trusts only the service that uses it"
    reason = "A role others may assume lends its permissions to them."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        trusted: dict[Res, set[str]] = {}
        for statement in facts.statements:
            if not statement.trust or "Allow" not in statement.effects:
                continue
            principal = statement.principal
            services = facts.texts(statement.ref, principal.get("Service"), "a trusted service") \
                if isinstance(principal, dict) else set()
            trusted.setdefault(statement.ref, set()).update(services)
            problem = _trusted(principal, services)
            if problem:
                yield self.finding(facts, statement.ref, f"role trusts {problem}; trust exactly one service "
                                   "principal")
        for ref, services in trusted.items():
            if len(services) > 1:
                yield self.finding(facts, ref, f"role trusts {len(services)} services across its statements "
                                   f"({', '.join(sorted(services))}); trust exactly one service principal")
