"""Rules on what the blueprint's features can reach (issue 18): the AWS APIs behind VPC endpoints when there
are no NAT gateways, and something for the Client VPN to reach. Each gives a located error (rules.py runs them)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.blueprint.errors import KeyPath
from generator.blueprint.model import Blueprint
from generator.words import plural

Problem = tuple[KeyPath, str]

SESSION_MANAGER_ENDPOINTS = ("ssm", "ssmmessages", "ec2messages")


def no_nat_feature_endpoints(blueprint: Blueprint) -> Iterator[Problem]:
    """Without NAT gateways, private subnets reach an AWS API only through its VPC endpoint: each feature
    that calls one (secrets, ECS Exec, Session Manager on hosts, a customer KMS key) is refused at its key
    while the endpoints it needs are missing, or it would build clean and fail when the task starts."""
    if blueprint.network.nat_gateways != "none":
        return
    have = set(blueprint.network.endpoints)

    def missing(needed: tuple[str, ...], path: KeyPath, what: str) -> Iterator[Problem]:
        lacking = [endpoint for endpoint in needed if endpoint not in have]
        if lacking:
            yield path, (
                f"with `network.nat_gateways: none` {what} only through the VPC {plural('endpoint', len(needed))} "
                f"{', '.join(needed)}: add {', '.join(lacking)} to network.endpoints, or use `nat_gateways: single`"
            )

    if blueprint.access.ssm and blueprint.cluster.instances is not None:
        yield from missing(SESSION_MANAGER_ENDPOINTS, ("access", "ssm"), "Session Manager reaches the hosts")
    for name, service in blueprint.services.items():
        here: KeyPath = ("services", name)
        asked: set[str] = set()
        for key, arn in service.secrets.items():
            endpoint = _arn_service(arn)  # secretsmanager or ssm: the model's pattern allows only these
            if endpoint not in asked:
                asked.add(endpoint)
                kind = "Secrets Manager secrets" if endpoint == "secretsmanager" else "SSM parameters"
                yield from missing((endpoint,), (*here, "secrets", key), f"tasks read {kind}")
        if service.exec:
            yield from missing(SESSION_MANAGER_ENDPOINTS, (*here, "exec"), "ECS Exec reaches the containers")
        # secrets_kms_key and permissions arrive with issue 18's other half: read them when the model has them.
        if getattr(service, "secrets_kms_key", None):
            yield from missing(("kms",), (*here, "secrets_kms_key"), "tasks decrypt with a customer KMS key")
        for index, permission in enumerate(getattr(service, "permissions", None) or ()):
            if _arn_service(str(getattr(permission, "resource", ""))) == "kms":
                yield from missing(("kms",), (*here, "permissions", index), "tasks use a KMS key")
                break


def _arn_service(arn: str) -> str:
    """The service part of an ARN (arn:PARTITION:SERVICE:...), or "" for text that is no ARN."""
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "arn" else ""


def vpn_reaches_something(blueprint: Blueprint) -> Iterator[Problem]:
    """A Client VPN endpoint is paid by the hour and by connection; its group admits its clients only to what
    the blueprint opens to it: SSH to hosts with a key pair, and internal services with `reachable_from: [vpn]`.
    With neither, the endpoint reaches nothing, so it is refused rather than built."""
    if blueprint.access.vpn is None:
        return
    instances = blueprint.cluster.instances
    if instances is not None and instances.key_name is not None:
        return
    if any("vpn" in (getattr(service, "reachable_from", None) or ()) for service in blueprint.services.values()):
        return
    hosts = "there are no EC2 hosts" if instances is None else "the hosts have no `key_name`"
    yield ("access", "vpn"), (
        f"VPN clients would reach nothing: {hosts} to admit SSH from the VPN, and no internal service lists "
        "`vpn` in `reachable_from`; open something to it, or drop `access.vpn` (Session Manager needs no VPN)"
    )
