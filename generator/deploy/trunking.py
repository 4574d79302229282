"""ENI trunking before a deploy: awsvpc tasks on EC2 hosts take a network interface each, and when the
hosts hold the services' desired tasks only with ECS's `awsvpcTrunking` account setting on, `blueprint
deploy` reads that setting (`ecs:ListAccountSettings`) and says what to run when it is off.

Trunking is an account setting, not a CloudFormation resource, so no template can turn it on. It is
read for the principal that registers the hosts (their instance role), which takes the account default
unless it has its own setting: the command to run sets the default. It only affects hosts launched
after it is on. What the hosts hold comes from the built templates (generator/cfn/placement.py), the
same reading as the audit's SEC403, which warns at build time when even trunking cannot hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from generator.cfn.density import TABLE_DATE
from generator.cfn.facts import Facts
from generator.cfn.placement import HostPlacement, Placement
from generator.cfn.reader import TemplateReadError, read_template
from generator.cfn.templates import Template, TemplateSet
from generator.words import counted

SETTING = "awsvpcTrunking"
TURN_ON = f"aws ecs put-account-setting-default --name {SETTING} --value enabled"


def needing_trunking(files: Mapping[str, bytes]) -> list[HostPlacement]:
    """The host groups whose most hosts hold their awsvpc tasks with trunking, and not without it."""
    templates = []
    for name, body in files.items():
        try:
            templates.append(Template(name, read_template(body, name)))
        except TemplateReadError:
            continue  # ARCHITECTURE.md, parameters.json: not templates
    placement = Placement.of(Facts.of(TemplateSet.of(templates)))
    return [hosts for hosts in placement.hosts
            if hosts.known and hosts.capacity(trunking=False) < hosts.tasks <= hosts.capacity(trunking=True)]


def trunking_setting(ecs: Any) -> str:
    """The effective value of awsvpcTrunking for the caller: enabled or disabled (the default)."""
    settings = ecs.list_account_settings(name=SETTING, effectiveSettings=True).get("settings") or []
    return str(settings[0].get("value", "disabled")) if settings else "disabled"


def advise(ecs: Any, files: Mapping[str, bytes], out: TextIO) -> None:
    """Say whether the hosts need trunking and, when they do and it is off, what to run. Never stops a
    deploy: the tasks that fit are placed either way."""
    needed = needing_trunking(files)
    if not needed:
        return
    try:
        value = trunking_setting(ecs)
    except (ClientError, BotoCoreError) as exc:
        out.write(f"warning: the hosts need ENI trunking, and its account setting could not be read ({exc}); "
                  f"check with `aws ecs list-account-settings --name {SETTING} --effective-settings`\n")
        return
    for hosts in needed:
        types = ", ".join(hosts.instance_types)
        fits = (f"{counted(hosts.max_hosts or 0, 'host')} of {types}: room for "
                f"{counted(hosts.capacity(trunking=True), 'awsvpc task')} with ENI trunking, "
                f"{hosts.capacity(trunking=False)} without (figures of {TABLE_DATE}); the services want {hosts.tasks}")
        if value == "enabled":
            out.write(f"ENI trunking ({SETTING}) is enabled: {fits}\n")
        else:
            out.write(f"warning: {fits}, and {SETTING} is {value} for this account: run `{TURN_ON}` before the "
                      "hosts launch (hosts running already get the trunk interface only when replaced)\n")
