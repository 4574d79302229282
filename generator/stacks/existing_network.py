"""An existing VPC (`network.vpc_id`): no network stack; the ids arrive as typed root parameters, defaulting to
the blueprint's values, wired to the children where the network stack's outputs went. root.yaml gets
`Rules` asserting the subnets are in the VPC and Metadata declaring which parameters hold the subnets
the blueprint calls private and public (generator/cfn/declared_network.py: what the audit and deploy read).
What network.yaml held that the application still needs, the load balancers' access-log bucket, is built
by access-logs.yaml.
"""

from __future__ import annotations

from troposphere import Parameter, Ref, Template

from generator.blueprint.model import Blueprint
from generator.cfn.declared_network import METADATA_KEY, DeclaredNetwork
from generator.stacks.access_logs import add_access_log_bucket
from generator.stacks.common import apply_tags, new_template
from generator.stacks.parameters import PRIVATE_SUBNETS, PUBLIC_SUBNETS, VPC_CIDR, VPC_ID
from generator.stacks.sources import from_blueprint

SUBNETS_IN_VPC = "SubnetsInVpc"


def is_imported(blueprint: Blueprint) -> bool:
    return blueprint.network.vpc_id is not None


def network_parameters(blueprint: Blueprint) -> dict[str, Parameter]:
    """The root's parameters standing for an existing network (none for a new VPC), by name; root.yaml
    declares those some child takes."""
    network = blueprint.network
    if network.vpc_id is None:
        return {}
    parameters = [
        Parameter(VPC_ID, Type="AWS::EC2::VPC::Id", Default=network.vpc_id,
                  Description="The existing VPC (network.vpc_id)"),
        Parameter(PRIVATE_SUBNETS, Type="List<AWS::EC2::Subnet::Id>", Default=",".join(network.private_subnets or ()),
                  Description="Subnets of the VPC declared private: no route to an internet gateway "
                  "(network.private_subnets)"),
        # The VPC's block is not in the blueprint; only operator access needs it. `blueprint deploy` reads it
        # from the VPC when it is not given; `aws cloudformation deploy` needs it as a parameter override.
        Parameter(VPC_CIDR, Type="String", AllowedPattern=r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$",
                  Description="IPv4 block of the existing VPC (blueprint deploy reads it from the VPC)"),
    ]
    if network.public_subnets is not None:
        parameters.append(Parameter(
            PUBLIC_SUBNETS, Type="List<AWS::EC2::Subnet::Id>", Default=",".join(network.public_subnets),
            Description="Subnets of the VPC declared public: routed to an internet gateway (network.public_subnets)"))
    return {parameter.title: parameter for parameter in parameters}


def declare_network(root: Template, blueprint: Blueprint) -> Template:
    """Rules that the subnets belong to the VPC, and the declaration the audit and deploy read."""
    if not is_imported(blueprint):
        return root
    taken = set(root.parameters)
    subnets = {name: zone for name, zone in ((PRIVATE_SUBNETS, "private"), (PUBLIC_SUBNETS, "public"))
               if name in taken}
    if VPC_ID not in taken or not subnets:
        return root  # nothing takes the network: nothing to assert
    root.add_rule(SUBNETS_IN_VPC, {"Assertions": [{
        "Assert": {"Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, Ref(VPC_ID)]},
        "AssertDescription": "Every subnet must be in the VPC given as VpcId",
    }]})
    declared = DeclaredNetwork(VPC_ID, VPC_CIDR if VPC_CIDR in taken else None, subnets)
    root.set_metadata({**root.metadata, METADATA_KEY: declared.as_metadata()})
    return root


def needs_access_logs_stack(blueprint: Blueprint) -> bool:
    """On an existing VPC, the access-log bucket network.yaml would hold gets a stack of its own."""
    return is_imported(blueprint) and any(service.has_load_balancer for service in blueprint.services.values())


def build_access_logs(blueprint: Blueprint) -> Template:
    template = new_template(blueprint, "access logs: the S3 bucket of the load balancers' access logs")
    with from_blueprint(template, "services"):  # exists because some service has a load balancer
        add_access_log_bucket(template)
    return apply_tags(template, blueprint)
