from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.cfn.launches import SPOT_SPECIFICATION
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding

# The root device names of the AMIs an ECS host or bastion boots (Amazon Linux; Ubuntu and Windows).
ROOT_DEVICES = ("/dev/xvda", "/dev/sda1")


def _mappings(facts: Facts, ref: Res, mappings: Any) -> list[dict[str, Any]]:
    return [m for shape in facts.set.branches(ref.file, mappings or []) if isinstance(shape, list)
            for m in shape if isinstance(m, dict)]


def _unencrypted(facts: Facts, ref: Res, mappings: list[dict[str, Any]]) -> bool:
    """Whether any mapped EBS volume may be unencrypted (every branch and allowed value counts)."""
    for mapping in mappings:
        for ebs in facts.set.branches(ref.file, mapping.get("Ebs")):
            values = facts.texts(ref, ebs.get("Encrypted"), "Ebs.Encrypted", "false") if isinstance(ebs, dict) \
                else {"true"}
            if {value.lower() for value in values} != {"true"}:
                return True
    return False


def _maps_no_root(facts: Facts, ref: Res, mappings: list[dict[str, Any]]) -> bool:
    """No EBS mapping for the root device: it takes the AMI snapshot's settings, unencrypted for public AMIs."""
    return not any(isinstance(m.get("Ebs"), dict) and facts.texts(ref, m.get("DeviceName"), "DeviceName")
                   & set(ROOT_DEVICES) for m in mappings)


class EncryptedVolumes(AuditRule):
    """Every EBS mapping of every launch template, instance and spot fleet launch specification must be
    encrypted on every branch; a launch template or launch specification must map the root device
    (`/dev/xvda` or `/dev/sda1`) encrypted, since encrypting `/dev/xvdb` leaves the root volume as the
    AMI's snapshot has it."""

    id = "SEC802"
    title = "EBS volumes are encrypted"
    reason = "An unencrypted volume or snapshot leaks everything on it to whoever gets a copy."
    invariant = "5.8"
    description = ("Every EBS mapping of every launch template, instance and spot fleet launch specification must "
                   "be encrypted on every branch. A launch template or launch specification must map the root "
                   "device (`/dev/xvda` or `/dev/sda1`) encrypted: encrypting `/dev/xvdb` alone, or mapping no "
                   "EBS volume at all, leaves the root volume as the AMI snapshot has it, unencrypted for the "
                   "public ECS and Amazon Linux AMIs.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        sources = [(ref, (properties.get("LaunchTemplateData") or {}), True)
                   for ref, properties in facts.set.each("AWS::EC2::LaunchTemplate")]
        sources += [(launch.ref, launch.data, True) for launch in facts.launches if launch.kind == SPOT_SPECIFICATION]
        sources += [(ref, properties, False) for ref, properties in facts.set.each("AWS::EC2::Instance")]
        for ref, data, needs_root in sources:
            mappings = _mappings(facts, ref, data.get("BlockDeviceMappings") if isinstance(data, dict) else None)
            if _unencrypted(facts, ref, mappings):
                yield self.finding(facts, ref, "unencrypted EBS volume; set Ebs.Encrypted: true")
            elif needs_root and _maps_no_root(facts, ref, mappings):
                yield self.finding(facts, ref, "the root volume (/dev/xvda) is not mapped, so it is as unencrypted "
                                   "as the AMI's snapshot; map the root device with Ebs.Encrypted: true")
        for ref, properties in facts.set.each("AWS::EC2::Volume"):
            if {t.lower() for t in facts.texts(ref, properties.get("Encrypted"), "Encrypted", "false")} != {"true"}:
                yield self.finding(facts, ref, "unencrypted EBS volume; set Encrypted: true")
