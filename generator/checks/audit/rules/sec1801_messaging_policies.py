from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.cfn.policies import RESOURCE_POLICY_TYPES, Statement
from generator.checks.audit.rule import AuditRule, Finding

# Condition keys that tie a grant to one caller: the resource that sends (a topic), an account, an
# organisation, a network. Lower-cased, as the statements keep them.
SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid",
                         "aws:sourceorgpaths"})
BOUNDING_KEYS = SOURCE_KEYS | {"aws:principalarn", "aws:principalaccount", "aws:principalorgid",
                               "aws:principalorgpaths", "aws:sourcevpc", "aws:sourcevpce"}


class MessagingPoliciesNameTheirCallers(AuditRule):
    """Reads every `AWS::SQS::QueuePolicy` and `AWS::SNS::TopicPolicy` (JSON strings and `Fn::If` branches
    included). An Allow statement breaks the rule when its principal is everyone (`*`, `{AWS: "*"}` or an AWS
    principal with a wildcard) unless a condition ties it to a caller (`aws:SourceArn`, `aws:SourceAccount`,
    `aws:PrincipalOrgID`, `aws:SourceVpce`, ...), or when it grants an AWS service (SNS delivering to a queue)
    without `aws:SourceArn`, `aws:SourceAccount` or their organisation keys: then any account's topic could
    use that service to write into the queue. The keys are judged, not their values: a condition that
    compares with a wildcard is read as the key it tests. `NotPrincipal` with Allow grants everyone else."""

    id = "SEC1801"
    title = "Queue and topic policies grant only to the callers they name"
    reason = "A queue anyone may send to feeds a worker's code with a stranger's messages; a topic anyone may " \
             "subscribe to copies every event out of the account."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        reported = set()
        for statement in facts.statements:
            if statement.trust or "Allow" not in statement.effects or statement.ref in reported or \
                    facts.set.kind(statement.ref) not in RESOURCE_POLICY_TYPES:
                continue
            problem = _unbounded(facts, statement)
            if problem:
                reported.add(statement.ref)
                yield self.finding(facts, statement.ref, problem)


def _unbounded(facts: Facts, statement: Statement) -> str | None:
    principal: Any = statement.principal
    if principal is None:
        return "grants to everyone but some principals (NotPrincipal) or to no named principal; name the callers"
    if principal == "*" or (isinstance(principal, dict) and
                            any("*" in text or "?" in text for text in _principals(facts, statement, "AWS"))):
        if statement.condition_keys & BOUNDING_KEYS:
            return None
        return "grants to everyone (*) with no condition on the caller; name the caller, or tie it to a source " \
               "(aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID)"
    services = _principals(facts, statement, "Service") if isinstance(principal, dict) else set()
    if services and not statement.condition_keys & SOURCE_KEYS:
        return f"grants to {', '.join(sorted(services))} from any source; add aws:SourceArn (the topic or " \
               "resource that sends) or aws:SourceAccount"
    return None


def _principals(facts: Facts, statement: Statement, key: str) -> set[str]:
    return facts.texts(statement.ref, statement.principal.get(key), "a principal") \
        if key in statement.principal else set()
