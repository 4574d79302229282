from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.policies import Statement
from generator.cfn.rollouts import shiftings
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules.sec1201_task_role_resources import holders

ECS = "ecs.amazonaws.com"
LOAD_BALANCING = "elasticloadbalancing"
WRITES = ("modify", "register", "deregister", "create", "delete", "set", "add", "remove")


class TrafficShiftingRole(AuditRule):
    """The role a service's `AdvancedConfiguration.RoleArn` names: its trust policy must name ECS's own
    principal and nothing else (tasks' `ecs-tasks.amazonaws.com` would hand the load balancer to the
    application's code). Every policy that grants it anything is read, wherever it is written: its inline
    policies, an `AWS::IAM::Policy` or `RolePolicy` naming it, a managed policy of the set it attaches (as
    SEC1201 finds a task role's), one statement or a list, JSON strings and `Fn::If` branches included. They
    may allow Elastic Load Balancing actions only (ECS shifts traffic with nothing else), and may change it
    (Modify, Register, Deregister, Create, Delete, Set, Add, Remove) only on resources named one by one (a
    `Ref` or `GetAtt` of the set, or an ARN without wildcards in its name), never `*` or `NotResource`.
    Describe actions, which take no resource ARN, may stay on `*`. AWS managed policies are SEC1001's."""

    id = "SEC1502"
    title = "The role ECS shifts traffic with trusts only ECS and changes only this service's listeners"
    reason = "A role that can rewrite any listener or rule can send any load balancer's traffic anywhere."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        roles = {role for shifting in shiftings(facts) for role in shifting.roles
                 if facts.set.kind(role) == "AWS::IAM::Role"}
        for role in sorted(roles, key=lambda ref: (ref.file, ref.id)):
            trusted = {service for statement in facts.statements if statement.ref == role and statement.trust
                       and isinstance(statement.principal, dict)
                       for service in facts.texts(role, statement.principal.get("Service"), "a trusted service")}
            if trusted != {ECS}:
                shown = ", ".join(sorted(trusted)) or "no service"
                yield self.finding(facts, role, f"traffic-shifting role trusts {shown}; trust {ECS} alone")
        granted_by = holders(facts, roles)
        reported = set()
        for statement in facts.statements:
            if statement.trust or "Allow" not in statement.effects or statement.ref not in granted_by \
                    or statement.ref in reported:
                continue
            problem = _too_wide(statement)
            if problem:
                reported.add(statement.ref)
                yield self.finding(facts, statement.ref, f"traffic-shifting role {problem}")


def _too_wide(statement: Statement) -> str | None:
    if statement.not_action:
        return "is allowed everything but some actions (NotAction); list the Elastic Load Balancing actions"
    foreign = [action for action in statement.actions if action.split(":", 1)[0].lower() != LOAD_BALANCING]
    if foreign:
        return f"allows {foreign[0]}; ECS shifts traffic with Elastic Load Balancing actions only"
    writes = [action for action in statement.actions
              if action.split(":", 1)[-1].lower().startswith((*WRITES, "*", "?"))]
    if not writes:
        return None
    if statement.not_resource:
        return f"allows {writes[0]} on everything but some resources (NotResource); name the service's listeners, " \
               "rules and target groups"
    for spelling in statement.resources:
        name = spelling.split(":", 5)[-1].split("/", 1)[-1]
        if spelling == "*" or "*" in name or "?" in name:
            return f"allows {writes[0]} on {spelling!r}; name the service's listeners, rules and target groups"
    return None
