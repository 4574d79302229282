"""SEC403 on blueprints as written: the build warns when the most EC2 hosts cannot place the services'
desired awsvpc tasks (one network interface each), and says nothing when they can, with or without the
trunking `blueprint deploy` checks; bridge tasks take no interface of their own and are not counted."""

from __future__ import annotations

import pytest
from shared import load

from generator.cfn.density import DENSITY, density
from generator.cfn.facts import Facts
from generator.cfn.placement import Placement
from generator.cfn.templates import TemplateSet
from generator.checks.audit import audit_set
from generator.pipeline import documents


def blueprint(instances: str, services: int, count: int = 2) -> str:
    # Public services: an internal one nobody calls would add SEC503's warning.
    listed = "\n".join(f"  s{i}: {{image: nginx, port: 8080, expose: public, count: {count}}}"
                       for i in range(services))
    return f"name: dense\ncluster:\n  instances: {instances}\nservices:\n{listed}\n"


def placement_warnings(text: str) -> list[str]:
    found = audit_set(TemplateSet.of_documents(documents(load(text))), strict=True)
    assert all(f.level == "warning" for f in found if f.rule_id == "SEC403")
    assert not [f for f in found if f.rule_id != "SEC403"], [f.render() for f in found]
    return [f.message for f in found if f.rule_id == "SEC403"]


@pytest.mark.parametrize("instances, services, why", [
    ("{type: t3.medium, max: 2}", 3, "room for at most 4 awsvpc tasks on 2 hosts of t3.medium (and the type "
                                     "does not support ENI trunking), but the services want 6"),
    ("{type: m5.large, max: 2}", 11, "room for at most 20 awsvpc tasks on 2 hosts of m5.large (with ENI "
                                     "trunking), but the services want 22"),
    ("{type: x9z.large, max: 50}", 1, "cannot tell whether there is room for 2 awsvpc tasks on 50 hosts of "
                                      "x9z.large"),
])
def test_hosts_that_cannot_place_their_tasks_warn(instances: str, services: int, why: str) -> None:
    [message] = placement_warnings(blueprint(instances, services))
    assert message.startswith(why), message


@pytest.mark.parametrize("instances, services", [
    ("{type: t3.medium, max: 4}", 4),  # exactly full without trunking: 4 hosts x 2 interfaces
    ("{type: m5.large, max: 2}", 10),  # only with trunking: deploy checks the account setting
    ("{type: t3.nano, max: 1, network_mode: bridge}", 20),  # bridge tasks take no interface
])
def test_hosts_that_can_place_their_tasks_do_not_warn(instances: str, services: int) -> None:
    assert placement_warnings(blueprint(instances, services)) == []


def test_the_count_is_the_services_desired_tasks_on_the_hosts_only() -> None:
    text = blueprint("{type: t3.medium, max: 3}", 2, count=3) + \
        "  web: {image: nginx, port: 8080, launch_type: fargate, count: 9}\n  jobs: {image: nginx, count: 1}\n"
    text = text.replace("  instances:", "  fargate: true\n  instances:")
    [hosts] = Placement.of(Facts.of(TemplateSet.of_documents(documents(load(text))))).hosts
    assert (hosts.tasks, hosts.max_hosts, hosts.instance_types) == (7, 3, ("t3.medium",))
    assert (hosts.capacity(trunking=False), hosts.capacity(trunking=True)) == (6, 6)


def test_density_table_figures() -> None:
    """The issue's figures: a t3.medium runs 2 awsvpc tasks and has no trunking; the ECS guide's c5.large 10."""
    medium, c5 = density("t3.medium"), density("c5.large")
    assert medium is not None and (medium.tasks, medium.trunk_tasks) == (2, None)
    assert c5 is not None and (c5.tasks, c5.trunk_tasks) == (2, 10)
    assert density("x9z.large") is None
    assert all(entry.tasks >= 1 and (entry.trunk_tasks or 0) in (0, *range(entry.tasks + 1, 200))
               for entry in DENSITY.values())
