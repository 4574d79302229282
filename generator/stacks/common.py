"""What every stack builder shares: a described template, tags on everything, log groups."""

from __future__ import annotations

from troposphere import AWSObject, Tags, Template, autoscaling, logs

from generator.blueprint.model import Blueprint
from generator.cfn.descriptions import template_description
from generator.stacks.scanner import skip_scanner_checks


def new_template(blueprint: Blueprint, what: str) -> Template:
    template = Template()
    template.set_version("2010-09-09")
    template.set_description(template_description(blueprint.name, what))
    return template


LOG_RETENTION_DAYS = 365  # a year, as AWS Security Hub's CloudWatch.16 control asks
ANYWHERE = "0.0.0.0/0"


def log_group(template: Template, name: str) -> logs.LogGroup:
    """A log group kept for a year, encrypted at rest by CloudWatch Logs."""
    group = logs.LogGroup(name, RetentionInDays=LOG_RETENTION_DAYS)
    return template.add_resource(skip_scanner_checks(group, "CKV_AWS_158"))


def name_tag(blueprint: Blueprint, *parts: str) -> Tags:
    return Tags(Name="-".join((blueprint.name, *parts)))


def tags_with_name(blueprint: Blueprint, *parts: str) -> Tags:
    """The blueprint's tags plus a Name, for TagSpecifications that apply_tags does not reach."""
    return Tags(**{**blueprint.tags, "Name": "-".join((blueprint.name, *parts))})


def apply_tags(template: Template, blueprint: Blueprint) -> Template:
    """Give every taggable resource the blueprint's tags; a resource's own tags (Name) win."""
    if not blueprint.tags:
        return template
    for resource in template.resources.values():
        if "Tags" not in resource.props:
            continue
        if isinstance(resource, autoscaling.AutoScalingGroup):
            _tag_auto_scaling_group(resource, blueprint.tags)
        elif resource.props["Tags"][0] is dict:  # a few types (SSM parameters) take tags as a plain map
            resource.properties["Tags"] = {**blueprint.tags, **resource.properties.get("Tags", {})}
        else:
            resource.properties["Tags"] = _merge(blueprint.tags, resource.properties.get("Tags"))
    return template


def _merge(common: dict[str, str], own: object) -> Tags:
    merged = Tags(**common)
    if isinstance(own, Tags):
        own_keys = {tag["Key"] for tag in own.tags if isinstance(tag, dict)}
        merged.tags = [tag for tag in merged.tags if tag["Key"] not in own_keys] + own.tags
    return merged


def _tag_auto_scaling_group(group: AWSObject, common: dict[str, str]) -> None:
    own = list(group.properties.get("Tags", []))
    own_keys = {tag.data["Key"] for tag in own}
    extra = [autoscaling.Tag(key, value, True) for key, value in common.items() if key not in own_keys]
    group.properties["Tags"] = extra + own
