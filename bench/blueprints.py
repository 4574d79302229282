"""Synthetic blueprints of any size for the benchmark: services of every kind, calling each other."""

from __future__ import annotations

import yaml


def synthetic_blueprint(services: int, hosts: bool = False) -> str:
    """`services` services on a mixed cluster: a quarter public (half of those with HTTPS), half internal,
    a quarter workers; a fifth on EC2 hosts, the rest on Fargate (`hosts`: all on EC2 hosts, awsvpc, each
    with its own task group); every internal service is called by the one after it."""
    spec: dict[str, object] = {
        "name": f"bench{services}{'ec2' if hosts else ''}",
        "description": f"Synthetic {services}-service application for the benchmark",
        "tags": {"team": "bench"},
        "network": {"cidr": "10.0.0.0/16", "availability_zones": 3, "nat_gateways": "per-az"},
        "cluster": {"instances": {"type": "m6i.large", "min": 2, "max": 20}, "fargate": True},
        "access": {"ssm": True, "bastion": {"allowed_cidrs": ["203.0.113.0/24"]}},
        "services": {},
    }
    items: dict[str, dict[str, object]] = {}
    for index in range(services):
        name = f"svc{index:03d}"
        service: dict[str, object] = {"image": "public.ecr.aws/nginx/nginx:1.27", "cpu": 256, "memory": 512}
        kind = index % 4
        if kind == 0:
            service.update(port=8080, expose="public", scaling={"min": 2, "max": 8, "cpu_percent": 60})
            if index % 8 == 0:
                service["https"] = {
                    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234",
                }
        elif kind in (1, 2):
            service.update(port=8080, expose="internal")
        else:
            service.update(expose="none", count=1)
        # A fifth on the EC2 hosts, the rest on Fargate; or all on the hosts. awsvpc gives each a task group
        # of its own, so the host group's 60-rule quota no longer caps the EC2 services.
        service["launch_type"] = "ec2" if hosts or index % 5 == 0 else "fargate"
        items[name] = service
    for index in range(1, services):
        caller, callee = f"svc{index:03d}", f"svc{index - 1:03d}"
        if items[callee].get("expose") == "internal":
            items[caller].setdefault("talks_to", []).append(callee)  # type: ignore[union-attr]
    if hosts:
        # 350 desired tasks (50 public x 2, 100 internal x 2, 50 workers x 1), an interface each: 30 hosts with
        # 14 to spare each hold 420 without ENI trunking, so the build's placement check (SEC403) is quiet.
        spec["cluster"] = {"instances": {"type": "m6i.16xlarge", "min": 3, "max": 30}}
    spec["services"] = items
    return yaml.safe_dump(spec, sort_keys=False)
