"""Why a Copilot manifest key is not carried into the blueprint: one table, read by the report.

Keys are matched by their path with list positions and names the user chose written `*`, and with an
`environments.<env>.` override prefix removed (an override is reported as the key it overrides). The
longest matching pattern wins; a key no pattern knows is one the blueprint has no place for.
"""

from __future__ import annotations

from generator.blueprint.errors import KeyPath

SIDECARS = "a service here runs one container: no sidecars"
HEALTH_CHECK = "the load balancer's health check takes a path and a grace period only (health_check)"
SCALING = "scaling here is target tracking on one metric value, without cooldowns or response time"

REASONS: dict[str, str] = {
    "sidecars": SIDECARS,
    "image.depends_on": SIDECARS,
    "http.target_container": SIDECARS,
    "storage": "no volumes here (EFS, ephemeral storage size, read-only mounts): tasks keep Fargate's default 20 GiB",
    "logging": "no FireLens log routing: tasks log to CloudWatch Logs",
    "taskdef_overrides": "patches of Copilot's own CloudFormation do not apply to these templates",
    "observability": "no X-Ray tracing sidecar here",
    "entrypoint": "the blueprint overrides the command only, not the image's entrypoint",
    "image.healthcheck": "no container health check here; the load balancer's checks the service",
    "image.credentials": "no private registry credentials here: images come from ECR or public registries",
    "image.labels": "no Docker labels here",
    "image.docker_labels": "no Docker labels here",
    "http.healthcheck.*": HEALTH_CHECK,
    "http.stickiness": "no sticky sessions on the load balancer here",
    "http.deregistration_delay": "the target group keeps its default deregistration delay (300 s)",
    "http.redirect_to_https": "HTTP always redirects to HTTPS once a service has a certificate or a domain",
    "http.version": "target groups speak HTTP/1.1 here (no gRPC or HTTP/2 targets)",
    "http.additional_rules": "one listener rule per service here: each service has its own load balancer",
    "http.target_port": "the load balancer sends to the container's port (image.port)",
    "http.private": "an internal service's load balancer is internal already",
    "http.main": "one listener rule per service here: each service has its own load balancer",
    "nlb": "no Network Load Balancer here: a public service gets an Application Load Balancer",
    "network.connect": "services reach each other through `talks_to` (internal load balancers), not Service Connect",
    "network.vpc.security_groups": "security groups are generated from talks_to, reachable_from and egress",
    "deployment": "rolling updates with the circuit breaker; a different strategy is `deployment.strategy`",
    "count.cooldown": SCALING,
    "count.*.cooldown": SCALING,
    "count.response_time": SCALING,
    "subscribe.queue.retention": "the queue keeps SQS's default retention (4 days)",
    "subscribe.queue.delay": "the queue delivers without delay",
    "subscribe.queue.fifo": "queues are standard (not FIFO) here",
    "subscribe.topics.*.queue": "one queue per worker here: the topic's messages go to the worker's queue",
    "subscribe.topics.*.filter_policy": "no subscription filter policy is written by the import: add it by hand",
    "publish.topics.*.fifo": "topics are standard (not FIFO) here",
    "variables.*": "a value from a CloudFormation export (from_cfn) has no equivalent: write the value",
    "secrets.*": "a secret from a CloudFormation export (from_cfn) has no equivalent: write the secret's ARN",
    "platform.osfamily": "tasks run Linux here",
    "image.build": "no image builds here: build and push the image, then replace the placeholder `image`",
    "cdn": "no CloudFront distribution here",
    "http.public.certificates": "certificates come from each service's `domain` (or https.certificate_arn)",
    "http.public.access_logs": "access logs always go to the application's own bucket here",
    "http.public.security_groups": "load balancer groups are generated from allowed_cidrs",
    "http.public.ingress": "restrict each public service with allowed_cidrs",
    "network.vpc.flow_logs": "flow logs are on by default (network.flow_logs)",
    "network.vpc.security_group": "security groups are generated per service; no shared environment group",
    "network.vpc.subnets": "subnets of a new VPC are carved from network.cidr",
    "network.vpc.subnets.public.*.cidr": "subnets of a new VPC are carved from network.cidr",
    "network.vpc.subnets.private.*.cidr": "subnets of a new VPC are carved from network.cidr",
    "network.vpc.subnets.public.*.az": "subnets of a new VPC are carved from network.cidr",
    "network.vpc.subnets.private.*.az": "subnets of a new VPC are carved from network.cidr",
    "type": "not a type this import knows",
}
UNKNOWN = "the blueprint has no place for this key (or Copilot ignores it)"


def reason_for(path: KeyPath) -> str:
    parts = _parts(path)
    candidates = {
        pattern: reason for pattern, reason in REASONS.items()
        if _matches(pattern.split("."), parts)
    }
    if not candidates:
        return UNKNOWN
    return candidates[max(candidates, key=lambda pattern: pattern.count("."))]


def _matches(pattern: list[str], parts: list[str]) -> bool:
    """Whether `parts` is the key `pattern` names, or inside it."""
    if len(parts) < len(pattern):
        return False
    return all(want in ("*", part) for want, part in zip(pattern, parts, strict=False))


def has_deeper_reasons(path: KeyPath) -> bool:
    """Whether some key inside `path` has a reason of its own (`http.public.certificates` inside `http`)."""
    if path[:1] == ("environments",) and len(path) <= 2:
        return True  # a service's overrides: each is reported as the key it overrides
    parts = _parts(path)
    return any(len(pattern.split(".")) > len(parts) and _matches(pattern.split(".")[:len(parts)], parts)
               for pattern in REASONS)


def _parts(path: KeyPath) -> list[str]:
    parts = [str(part) for part in path]
    if len(parts) > 2 and parts[0] == "environments":
        return parts[2:]
    return parts
