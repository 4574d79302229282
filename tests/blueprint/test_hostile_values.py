"""Mistaken and hostile values of the keys issues 19-21 added (schedules, time zones, filter policies, domains):
each a located error saying what is wrong in the user's terms, never a message about Python's own limits, and
never a value the loader takes that AWS (or cfn-lint) would refuse later."""

from __future__ import annotations

import pytest
from shared import load

from generator.blueprint import BlueprintErrors

FARGATE = """\
name: shop
cluster: {fargate: true}
services:
  orders: {image: nginx, publishes: [events]}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(BlueprintErrors) as caught:
        load(text)
    return caught.value.render().splitlines()


def job_with(key_values: str) -> str:
    return FARGATE + f"jobs:\n  report: {{image: nginx, {key_values}}}\n"


@pytest.mark.parametrize("schedule", [
    "rate(" + "9" * 5000 + " minutes)",  # past Python's limit on converting digits to an int
    "cron(" + "1" * 5000 + " 3 * * ? *)",
    "cron(0 3 * * ? " + "2" * 4400 + ")",
    "cron(0 3 " + "1" * 4400 + "W * ? *)",
    "cron(0 3 ? * " + "1" * 4400 + "#1 *)",
])
def test_a_schedule_with_thousands_of_digits_is_out_of_range_not_a_python_limit(schedule: str) -> None:
    lines = errors_of(job_with(f"schedule: '{schedule}'"))
    assert len(lines) == 1 and lines[0].startswith("blueprint.yaml:6:"), lines
    assert "jobs.report.schedule" in lines[0]
    assert "int_max_str_digits" not in lines[0] and "Exceeds the limit" not in lines[0], lines[0]
    assert len(lines[0]) < 400, "the message quotes the whole expression"


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/UTC", "right/UTC", "zone.tab",
                                  "tzdata.zi", "leapseconds", "../UTC", "/UTC", "UTC/", "Europe/../UTC"])
def test_a_time_zone_is_an_iana_zone_name_not_a_file_of_this_machine(zone: str) -> None:
    """zoneinfo lists the files of the machine's zoneinfo folder: `localtime` (a link to the machine's own
    zone) or `Factory` are there, but Scheduler takes neither."""
    lines = errors_of(job_with(f"schedule: 'rate(1 hour)', timezone: '{zone}'"))
    assert len(lines) == 1 and "jobs.report.timezone" in lines[0] and "IANA time zone" in lines[0], lines


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT+5", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/UTC"])
def test_iana_time_zones_are_taken(zone: str) -> None:
    assert load(job_with(f"schedule: 'rate(1 hour)', timezone: '{zone}'")).jobs["report"].timezone == zone


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "{numeric: ['>=', .nan]}", "{numeric: ['<', .inf]}",
                                   "{anything-but: [1, .nan]}", "{a: {b: [-.inf]}}"])
def test_a_filter_policy_number_is_finite(value: str) -> None:
    """JSON has no NaN or infinity: SNS refuses such a policy at deploy time, cfn-lint fails on it (exit 1)."""
    text = FARGATE + ("  worker:\n    image: nginx\n    expose: none\n"
                      f"    queue: {{subscribe: [{{topic: orders.events, filter: {{amount: [{value}]}}}}]}}\n")
    lines = errors_of(text)
    assert len(lines) == 1 and lines[0].startswith("blueprint.yaml:8:"), lines
    assert "services.worker.queue.subscribe[0].filter" in lines[0] and "finite" in lines[0], lines


def test_a_filter_policy_of_finite_numbers_loads() -> None:
    text = FARGATE + ("  worker:\n    image: nginx\n    expose: none\n"
                      "    queue: {subscribe: [{topic: orders.events,\n"
                      "                         filter: {amount: [{numeric: ['>=', 1.5e3]}]}}]}\n")
    assert load(text).services["worker"].queue is not None


@pytest.mark.parametrize("name", [".", "..", "...."])
def test_a_domain_of_dots_only_is_not_told_to_drop_its_dot(name: str) -> None:
    text = FARGATE.replace("publishes: [events]", "port: 80, expose: public, "
                           f"domain: {{name: '{name}', hosted_zone_id: Z1}}")
    lines = errors_of(text)
    assert len(lines) == 1 and "services.orders.domain.name" in lines[0], lines
    assert not lines[0].rstrip().endswith(":"), "a suggestion that is empty"
    assert "not a domain name" in lines[0], lines


CATALOG = "name: shop\ncluster: {fargate: true}\ncatalog: {portfolio: P, owner: O}\n"


@pytest.mark.parametrize(("body", "where"), [
    ("services:\n  api: {image: nginx, publishes: [events]}\n", "services.api.publishes"),
    ("services:\n  api: {image: nginx, port: 80, deployment: {strategy: blue-green}}\n",
     "services.api.deployment.strategy"),
    ("services:\n  api: {image: nginx, port: 80, deployment: {strategy: linear}}\n",
     "services.api.deployment.strategy"),
    ("services:\n  api: {image: nginx}\njobs:\n  report: {image: nginx, schedule: 'rate(1 day)'}\n", "jobs.report"),
])
def test_a_catalog_refuses_what_its_product_roles_cannot_name(body: str, where: str) -> None:
    """Building these stopped with a traceback (ProductTemplateError from stacks/products.py)."""
    [line] = errors_of(CATALOG + body)
    assert f"error: {where}: the catalog's product roles are made before a product is launched" in line, line


def test_a_catalog_still_offers_rolling_services_with_domains() -> None:
    blueprint = load(CATALOG + "services:\n  api: {image: nginx, port: 80, expose: public, "
                     "domain: {name: api.example.com, hosted_zone_id: Z1}, deployment: {strategy: rolling}}\n")
    assert blueprint.catalog is not None


@pytest.mark.parametrize("environment", ["{}", "{region: eu-west-1}", "{account: '123456789012'}"])
def test_an_environment_of_a_service_whose_certificate_the_stack_requests_loads(environment: str) -> None:
    """`https` without `certificate_arn` beside a `domain`: the environments' check of certificate regions
    raised AttributeError (a traceback) on the ARN that is not there."""
    blueprint = load("name: shop\ncluster: {fargate: true}\nservices:\n  api: {image: nginx, port: 80, "
                     "expose: public, domain: {name: api.example.com, hosted_zone_id: Z1}, "
                     "https: {ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06}}\n"
                     f"environments:\n  dev: {environment}\n")
    assert [target.output_name for target in blueprint.targets] == ["shop-dev"]


def _cfn_lint_takes(value: float) -> bool:
    """cfn-lint 1.x's multipleOf for a float divisor (cfnlint/jsonschema/_keywords.py), quoted, not imported."""
    quotient = value / 0.1
    return int(quotient) == quotient


@pytest.mark.parametrize("key", ["canary_percent", "step_percent"])
@pytest.mark.parametrize("value", [0.3, 4.1, 68.8, 99.8])
def test_a_percentage_cfn_lint_cannot_verify_is_refused_with_values_it_can(key: str, value: float) -> None:
    """68.8 is a multiple of 0.1, but 68.8 / 0.1 is 687.9999999999999 in floating point: cfn-lint failed the
    template (E3002, exit 1) on a blueprint the loader took. Found by the valid-blueprint fuzz."""
    if key == "step_percent" and value < 3:
        value += 3
    assert not _cfn_lint_takes(value)
    strategy = "canary" if key == "canary_percent" else "linear"
    text = FARGATE.replace("publishes: [events]", f"port: 80, deployment: {{strategy: {strategy}, {key}: {value}}}")
    [line] = errors_of(text)
    assert f"services.orders.deployment.{key}: {value:g}" in line and "cfn-lint" in line, line
    suggested = [float(word.rstrip(",;)")) for word in line.split("such as ", 1)[1].split() if word[0].isdigit()]
    assert suggested and all(_cfn_lint_takes(number) and abs(number - value) <= 0.5 for number in suggested), line


@pytest.mark.parametrize("value", [2.5, 10, 12.5, 68.5, 100])
def test_a_percentage_cfn_lint_verifies_loads(value: float) -> None:
    assert _cfn_lint_takes(value)
    load(FARGATE.replace("publishes: [events]", f"port: 80, deployment: {{strategy: canary, canary_percent: {value}}}"))
