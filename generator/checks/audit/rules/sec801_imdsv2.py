from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class Imdsv2(AuditRule):
    id = "SEC801"
    title = "Instances require IMDSv2"
    reason = "IMDSv1 hands the instance role's credentials to any request forgery (SSRF) in any process."
    invariant = "5.8"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::LaunchTemplate"):
            data = properties.get("LaunchTemplateData") or {}
            options = data.get("MetadataOptions") or {} if isinstance(data, dict) else {}
            if not isinstance(options, dict) or options.get("HttpTokens") != "required":
                yield self.finding(facts, ref, "IMDSv1 allowed; set MetadataOptions.HttpTokens: required")
        for ref, properties in facts.set.each("AWS::EC2::Instance"):
            if "LaunchTemplate" not in properties:
                yield self.finding(facts, ref, "instance without a launch template cannot require IMDSv2; "
                                   "launch it from a launch template with HttpTokens: required")
