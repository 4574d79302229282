from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.rollouts import shiftings
from generator.cfn.spellings import spellings
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding

ECS = "ecs.amazonaws.com"
WRITES = ("modify", "register", "deregister", "create", "delete", "set", "add", "remove")


class TrafficShiftingRole(AuditRule):
    """The role a service's `AdvancedConfiguration.RoleArn` names: its trust policy must name ECS's own
    principal and nothing else (tasks' `ecs-tasks.amazonaws.com` would hand the load balancer to the
    application's code), and its inline policies may change Elastic Load Balancing (Modify, Register,
    Deregister, Create, Delete, Set, Add, Remove) only on resources named one by one (a `Ref` or `GetAtt`
    of the set, or an ARN without wildcards in its name), never `*`. Describe actions, which take no
    resource ARN, may stay on `*`. Managed policies are SEC1001's."""

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
            wide = self._wide(facts, role)
            if wide:
                yield self.finding(facts, role, f"traffic-shifting role allows {wide[0]} on {wide[1]!r}; name "
                                   "the service's listeners, rules and target groups")

    def _wide(self, facts: Facts, role: Res) -> tuple[str, str] | None:
        for policies in facts.set.branches(role.file, facts.set.properties(role).get("Policies") or []):
            for policy in policies if isinstance(policies, list) else []:
                document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
                statements = document.get("Statement") if isinstance(document, dict) else None
                for statement in statements if isinstance(statements, list) else []:
                    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                        continue
                    actions = statement.get("Action")
                    writes = [str(action) for action in (actions if isinstance(actions, list) else [actions])
                              if str(action).lower().startswith("elasticloadbalancing:")
                              and str(action).split(":", 1)[1].lower().startswith((*WRITES, "*"))]
                    if not writes:
                        continue
                    resources = statement.get("Resource")
                    for item in resources if isinstance(resources, list) else [resources]:
                        for spelling in spellings(facts.set, role.file, item):
                            if isinstance(spelling, Res):
                                continue
                            name = spelling.split(":", 5)[-1].split("/", 1)[-1]
                            if spelling == "*" or "*" in name or "?" in name:
                                return writes[0], spelling
        return None
