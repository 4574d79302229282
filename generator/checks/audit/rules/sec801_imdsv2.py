from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.launches import SPOT_SPECIFICATION
from generator.checks.audit.rule import AuditRule, Finding


class Imdsv2(AuditRule):
    """Launch templates (whoever uses them: auto scaling groups, mixed instances policies, fleets,
    instances) must set `HttpTokens: required` on every branch; an instance without a launch template
    and a spot fleet's own launch specification cannot require IMDSv2 at all."""

    id = "SEC801"
    title = "Instances require IMDSv2"
    reason = "IMDSv1 hands the instance role's credentials to any request forgery (SSRF) in any process."
    invariant = "5.8"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::LaunchTemplate"):
            data = properties.get("LaunchTemplateData") or {}
            options = data.get("MetadataOptions") if isinstance(data, dict) else None
            tokens = {facts_text for shape in facts.set.branches(ref.file, options or {})
                      for facts_text in facts.texts(ref, shape.get("HttpTokens") if isinstance(shape, dict) else None,
                                                    "MetadataOptions.HttpTokens", "optional")}
            if tokens != {"required"}:
                yield self.finding(facts, ref, "IMDSv1 allowed; set MetadataOptions.HttpTokens: required")
        for ref, properties in facts.set.each("AWS::EC2::Instance"):
            if "LaunchTemplate" not in properties:
                yield self.finding(facts, ref, "instance without a launch template cannot require IMDSv2; "
                                   "launch it from a launch template with HttpTokens: required")
        for launch in facts.launches:
            if launch.kind == SPOT_SPECIFICATION:
                yield self.finding(facts, launch.ref, "a spot fleet launch specification cannot require IMDSv2; "
                                   "use LaunchTemplateConfigs with a launch template setting HttpTokens: required")
