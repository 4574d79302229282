from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding

MODERN = ("TLS13-1-2", "TLS13-1-3", "TLS-1-2", "FS-1-2")


class TlsPolicy(AuditRule):
    id = "SEC903"
    title = "HTTPS listeners use a TLS 1.2+ policy"
    reason = "TLS 1.0 and 1.1 are broken; the default ELB policy still allows them."
    invariant = "5.9"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            for listener in facts.listeners_of(balancer):
                if listener.protocol != "HTTPS":
                    continue
                policy = listener.ssl_policy
                if policy is None or not any(marker in policy for marker in MODERN):
                    shown = policy or "none (the default allows TLS 1.0)"
                    yield self.finding(facts, listener.ref, f"TLS policy {shown}; use "
                                       "ELBSecurityPolicy-TLS13-1-2-2021-06 or another TLS 1.2+ policy")
