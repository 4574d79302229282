"""The loader errors of `services.<name>.deployment` (deployment_rules.py) for the catalogue (docs/errors.md):
(title, blueprint, what it covers), made into examples by catalogue.py beside the others."""

from __future__ import annotations

ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def _service(body: str) -> str:
    return f"name: photos\nservices:\n  api: {{image: nginx, port: 8080, {body}}}\n"


EXAMPLES = [
    ("A key of another strategy", _service("deployment: {strategy: linear, canary_percent: 10}"),
     "rule:deployment_keys_fit_strategy"),
    ("A test port on a rolling update", _service("deployment: {test_port: 8443}"),
     "rule:deployment_keys_fit_strategy"),
    ("Traffic shifting on a worker", "name: photos\nservices:\n  worker: {image: nginx, deployment: {strategy: "
     "canary}}\n", "rule:shifting_needs_load_balancer"),
    ("Traffic shifting on tasks in bridge networking", "name: photos\ncluster: {instances: {network_mode: bridge}}\n"
     "services:\n  api: {image: nginx, port: 8080, deployment: {strategy: blue-green}}\n",
     "rule:shifting_needs_load_balancer"),
    ("Traffic shifting with scaling on requests per target", _service(
        "scaling: {min: 2, max: 4, requests_per_target: 500}, deployment: {strategy: linear}"),
     "rule:shifting_needs_load_balancer"),
    ("Alarms on a worker", "name: photos\nservices:\n  worker: {image: nginx, deployment: {alarms: true}}\n",
     "rule:shifting_needs_load_balancer"),
    ("A test port that is a production listener's", _service(
        f"https: {{certificate_arn: '{ACM}'}}, deployment: {{strategy: blue-green, test_port: 443}}"),
     "rule:free_test_port"),
    ("A percentage ECS does not take", _service("deployment: {strategy: canary, canary_percent: 2.55}"),
     "rule:shift_sizes"),
    ("A percentage cfn-lint cannot verify", _service("deployment: {strategy: canary, canary_percent: 68.8}"),
     "rule:shift_sizes"),
    ("A canary longer than CloudFormation waits", _service(
        "deployment: {strategy: canary, bake_minutes: 1440, canary_minutes: 600}"), "rule:shift_sizes"),
    ("Linear steps longer than CloudFormation waits", _service(
        "deployment: {strategy: linear, step_percent: 10, step_minutes: 240}"), "rule:shift_sizes"),
    ("A canary share below ECS's range", _service("deployment: {strategy: canary, canary_percent: 0}"),
     "model:greater_than_equal"),
    ("A bake time over a day", _service("deployment: {strategy: blue-green, bake_minutes: 1441}"),
     "model:less_than_equal"),
]
