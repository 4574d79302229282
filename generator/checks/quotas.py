"""CloudFormation's quotas, checked before anything is written, so a deploy never fails on them.

Figures from the CloudFormation quotas page: per template 500 resources, 200 parameters, 200 outputs,
200 mappings; a template body of at most 1 MB when read from S3. Every template here is read from S3:
the children always, the root and catalog.yaml as `blueprint publish` and the documented
`aws cloudformation deploy --s3-bucket` upload them, so the 51,200-byte inline limit never applies
(the 200-service root is 160 KB). And EC2's: 60 inbound and 60 outbound rules per security group, counted across the
whole nested set, since service stacks add rules to the shared host group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.cfn.facts import Facts
from generator.cfn.templates import Res, TemplateSet
from generator.words import counted

MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_MAPPINGS = 200
MAX_S3_BODY = 1_000_000
MAX_RULES_PER_GROUP = 60  # inbound and outbound each: EC2's default quota per security group


@dataclass(frozen=True, order=True)
class QuotaFinding:
    filename: str
    message: str

    def render(self) -> str:
        return f"{self.filename}:1:1: error: quota: {self.message}"


def check_quotas(files: Mapping[str, bytes], templates: TemplateSet) -> list[QuotaFinding]:
    """`files` are the rendered bytes, `templates` the same templates as a nested set."""
    findings = []
    for name, template in sorted((name, t.data) for name, t in templates.templates.items()):
        for section, limit in (("Resources", MAX_RESOURCES), ("Parameters", MAX_PARAMETERS),
                               ("Outputs", MAX_OUTPUTS), ("Mappings", MAX_MAPPINGS)):
            count = len(template.get(section) or {})
            if count > limit:
                findings.append(QuotaFinding(name, f"{count} {section.lower()}; CloudFormation allows {limit} "
                                                   "per template"))
        size = len(files[name])
        if size > MAX_S3_BODY:
            findings.append(QuotaFinding(name, f"{size:,} bytes; a template read from S3 may be at most "
                                               f"{MAX_S3_BODY:,} bytes"))
    findings.extend(_security_group_rules(templates))
    return findings


def _security_group_rules(templates: TemplateSet) -> list[QuotaFinding]:
    counts: dict[tuple[Res, str], int] = {}
    for rule in Facts.of(templates).rules:
        if isinstance(rule.group, Res):
            counts[(rule.group, rule.direction)] = counts.get((rule.group, rule.direction), 0) + 1
    return [
        QuotaFinding(group.file, f"security group {group.id} gets {counted(count, direction + ' rule')} across "
                                 f"the stacks; EC2 allows {MAX_RULES_PER_GROUP} per group (run fewer EC2 services "
                                 "with load balancers, or move some to Fargate, where each service has its own group)")
        for (group, direction), count in sorted(counts.items(), key=lambda item: (item[0][0].file, item[0][0].id))
        if count > MAX_RULES_PER_GROUP
    ]
