from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding

# Things placed by subnet that have no business in a public subnet (hosts and tasks have their own rules).
PLACED = {
    "AWS::EC2::VPCEndpoint": "SubnetIds",
    "AWS::EC2::ClientVpnTargetNetworkAssociation": "SubnetId",
    "AWS::EFS::MountTarget": "SubnetId",
    "AWS::RDS::DBSubnetGroup": "SubnetIds",
    "AWS::ElastiCache::SubnetGroup": "SubnetIds",
}


class PublicSubnetOccupants(AuditRule):
    id = "SEC202"
    title = "Only load balancers, NAT gateways and the bastion live in public subnets"
    reason = "Anything else in a public subnet widens what the internet can reach."
    invariant = "5.2"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for kind, key in PLACED.items():
            for ref, properties in facts.set.each(kind):
                yield from self._check_one(facts, ref, properties.get(key), kind)
        for ref, properties in facts.set.each("AWS::Lambda::Function"):
            vpc = properties.get("VpcConfig") or {}
            if isinstance(vpc, dict):
                yield from self._check_one(facts, ref, vpc.get("SubnetIds"), "AWS::Lambda::Function")

    def _check_one(self, facts: Facts, ref: Res, subnets: object, kind: str) -> Iterator[Finding]:
        if any(facts.subnet_zone(s) == "public" for s in facts.many(ref.file, subnets)):
            yield self.finding(facts, ref, f"{kind} placed in a public subnet; use the private subnets")
