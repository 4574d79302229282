"""`blueprint explain` states what the EC2 hosts hold: tasks per host with and without ENI trunking in
awsvpc mode, and the limits of bridge mode."""

from __future__ import annotations

import json

from shared import EXAMPLE, load

from generator.review.explain import as_json, as_text, hosts

SERVICE = "services:\n  s: {image: x, port: 80}\n"


def test_awsvpc_hosts_state_tasks_per_host_with_and_without_trunking() -> None:
    [line] = hosts(load("name: a\ncluster: {instances: {type: m5.large, max: 3}}\n" + SERVICE))
    assert "A m5.large host runs 2 awsvpc tasks without trunking (6 on 3 hosts), 10 with ENI trunking" in line
    assert "30 on 3 hosts" in line and "The EC2 services want 2 tasks" in line


def test_a_type_without_trunking_says_so() -> None:
    [line] = hosts(load(EXAMPLE))
    assert "A t3.medium host runs 2 awsvpc tasks without trunking (8 on 4 hosts), and the type does not support " \
           "ENI trunking. The EC2 services want 4 tasks." in line


def test_a_type_outside_the_table_is_named() -> None:
    [line] = hosts(load("name: a\ncluster: {instances: {type: x9z.large}}\nservices:\n  s: {image: x, port: 80}\n"))
    assert "the interface limit of x9z.large is not in the table" in line


def test_bridge_states_its_limits() -> None:
    [line] = hosts(load("name: a\ncluster: {instances: {network_mode: bridge}}\n" + SERVICE))
    assert "network_mode = bridge" in line and "60-rule quota" in line and "32768-60999" in line


def test_fargate_only_has_no_hosts_and_both_formats_carry_them() -> None:
    assert hosts(load("name: a\nservices:\n  s: {image: x, port: 80}\n")) == []
    blueprint = load(EXAMPLE)
    assert "EC2 hosts:\n    cluster.instances.network_mode = awsvpc" in as_text(blueprint, "example.yaml")
    assert json.loads(as_json(blueprint, "example.yaml"))["hosts"] == hosts(blueprint)
