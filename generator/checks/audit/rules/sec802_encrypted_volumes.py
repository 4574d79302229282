from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


def _unencrypted(mappings: Any) -> bool:
    for mapping in mappings if isinstance(mappings, list) else []:
        ebs = mapping.get("Ebs") if isinstance(mapping, dict) else None
        if isinstance(ebs, dict) and str(ebs.get("Encrypted")).lower() != "true":
            return True
    return False


def _maps_no_volume(mappings: Any) -> bool:
    """No EBS mapping at all: the root volume takes the AMI snapshot's settings, unencrypted for public AMIs."""
    return not any(isinstance(m, dict) and isinstance(m.get("Ebs"), dict)
                   for m in (mappings if isinstance(mappings, list) else []))


class EncryptedVolumes(AuditRule):
    id = "SEC802"
    title = "EBS volumes are encrypted"
    reason = "An unencrypted volume or snapshot leaks everything on it to whoever gets a copy."
    invariant = "5.8"
    description = ("It also fails a launch template that maps no EBS volume: the root volume then takes the AMI "
                   "snapshot's settings, unencrypted for the public ECS and Amazon Linux AMIs.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::LaunchTemplate"):
            data = properties.get("LaunchTemplateData") or {}
            if isinstance(data, dict) and _unencrypted(data.get("BlockDeviceMappings")):
                yield self.finding(facts, ref, "unencrypted EBS volume; set Ebs.Encrypted: true")
            elif isinstance(data, dict) and _maps_no_volume(data.get("BlockDeviceMappings")):
                yield self.finding(facts, ref, "no BlockDeviceMappings, so the root volume is as unencrypted as "
                                   "the AMI's snapshot; map the root device with Ebs.Encrypted: true")
        for ref, properties in facts.set.each("AWS::EC2::Instance"):
            if _unencrypted(properties.get("BlockDeviceMappings")):
                yield self.finding(facts, ref, "unencrypted EBS volume; set Ebs.Encrypted: true")
        for ref, properties in facts.set.each("AWS::EC2::Volume"):
            if str(properties.get("Encrypted")).lower() != "true":
                yield self.finding(facts, ref, "unencrypted EBS volume; set Encrypted: true")
