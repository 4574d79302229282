from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding

ATTRIBUTE = "routing.http.drop_invalid_header_fields.enabled"


class DropInvalidHeaders(AuditRule):
    id = "SEC902"
    title = "Load balancers drop invalid HTTP header fields"
    reason = "Malformed headers are how request smuggling reaches the application behind the load balancer."
    invariant = "5.9"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            if str(balancer.attributes.get(ATTRIBUTE)).lower() != "true":
                yield self.finding(facts, balancer.ref, f"set the load balancer attribute {ATTRIBUTE} to true")
