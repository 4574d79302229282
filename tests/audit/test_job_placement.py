"""A scheduled job's task passes the audit for the right reason: its schedule is read as a task placement (SPEC
5.1, 5.4), in the private subnets, with no public IP and its own group, on Fargate or on the hosts; the corpus
(job-schedule-*.yaml) holds that a public IP or public subnets on it fail SEC103."""

from __future__ import annotations

import pytest
from shared import load

from generator.cfn.facts import Facts
from generator.cfn.templates import TemplateSet
from generator.pipeline import documents

JOBS = """\
name: reports
cluster:
  instances: {type: m7g.large, architecture: arm64, spot: {percent: 50, types: [m7g.large, c7g.large]}}
  fargate: true
services:
  web: {image: nginx, port: 8080, expose: public}
jobs:
  nightly: {image: python, schedule: 'cron(0 3 * * ? *)', launch_type: fargate}
  sweep: {image: python, schedule: rate(1 hour)}
"""


@pytest.mark.parametrize("file, fargate", [("job-nightly.yaml", True), ("job-sweep.yaml", False)])
def test_a_job_s_schedule_is_a_private_placement_with_its_own_group(file: str, fargate: bool) -> None:
    facts = Facts.of(TemplateSet.of_documents(documents(load(JOBS))))
    [placement] = [p for p in facts.task_placements if p.ref.file.endswith(file)]
    assert placement.ref.id == "Schedule" and placement.fargate is fargate
    assert not placement.public_ip
    assert placement.subnets and {facts.subnet_zone(subnet) for subnet in placement.subnets} == {"private"}
    [group] = placement.groups
    assert group.file.endswith(file) and group.id == "TaskSecurityGroup"
