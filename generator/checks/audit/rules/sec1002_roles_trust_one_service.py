from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules.sec1001_no_wildcard_actions import _as_list, _statements


def _trusted(principal: Any) -> str | None:
    """Why this principal is too wide, or None when it is exactly one AWS service."""
    if principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))):
        return "everyone (*)"
    if not isinstance(principal, dict):
        return "an unrecognised principal"
    if set(principal) != {"Service"}:
        other = sorted(set(principal) - {"Service"})
        return f"{', '.join(other)} principals"
    services = _as_list(principal["Service"])
    if len(services) != 1 or not isinstance(services[0], str) or "*" in services[0]:
        return "more than one service"
    return None


class RolesTrustOneService(AuditRule):
    id = "SEC1002"
    title = "Each role trusts only the service that uses it"
    reason = "A role others may assume lends its permissions to them."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::IAM::Role"):
            for statement in _statements(properties.get("AssumeRolePolicyDocument")):
                if statement.get("Effect") != "Allow":
                    continue
                problem = _trusted(statement.get("Principal"))
                if problem:
                    yield self.finding(facts, ref, f"role trusts {problem}; trust exactly one service principal")
