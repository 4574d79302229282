from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class FlowLogs(AuditRule):
    id = "SEC901"
    title = "Every VPC has flow logs"
    reason = "Without flow logs there is no record of who talked to what when something goes wrong."
    invariant = "5.9"
    level = "warning"
    description = ("A `warning`, not an `error`: SPEC 5.9 makes flow logs the default, and "
                   "`network.flow_logs: false` is a deliberate opt-out the audit keeps flagging on every build "
                   "without failing it.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        logged = {facts.one(ref.file, properties.get("ResourceId"))
                  for ref, properties in facts.set.each("AWS::EC2::FlowLog")}
        for ref, _ in facts.set.each("AWS::EC2::VPC"):
            if ref not in logged:
                yield self.finding(facts, ref, "VPC without flow logs; add an AWS::EC2::FlowLog (network.flow_logs)")
