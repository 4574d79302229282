from collections.abc import Iterator
from typing import Any

from generator.checks.audit.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


def _unencrypted(mappings: Any) -> bool:
    for mapping in mappings if isinstance(mappings, list) else []:
        ebs = mapping.get("Ebs") if isinstance(mapping, dict) else None
        if isinstance(ebs, dict) and str(ebs.get("Encrypted")).lower() != "true":
            return True
    return False


class EncryptedVolumes(AuditRule):
    id = "SEC802"
    title = "EBS volumes are encrypted"
    reason = "An unencrypted volume or snapshot leaks everything on it to whoever gets a copy."
    invariant = "5.8"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::LaunchTemplate"):
            data = properties.get("LaunchTemplateData") or {}
            if isinstance(data, dict) and _unencrypted(data.get("BlockDeviceMappings")):
                yield self.finding(facts, ref, "unencrypted EBS volume; set Ebs.Encrypted: true")
        for ref, properties in facts.set.each("AWS::EC2::Instance"):
            if _unencrypted(properties.get("BlockDeviceMappings")):
                yield self.finding(facts, ref, "unencrypted EBS volume; set Ebs.Encrypted: true")
        for ref, properties in facts.set.each("AWS::EC2::Volume"):
            if str(properties.get("Encrypted")).lower() != "true":
                yield self.finding(facts, ref, "unencrypted EBS volume; set Encrypted: true")
