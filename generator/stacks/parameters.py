"""The names stacks pass each other by: a child's parameters and the outputs of the same name that feed
them (root.yaml wires an output to every parameter of its name), with the label the console shows for each.

Root wiring matches names, so a name written differently in two builders is a broken stack: write them
here once. The console groups sort a child's parameters by what they are about (stacks/console.py).
"""

from __future__ import annotations

from generator.cfn.ids import logical_id

# The network's.
VPC_ID = "VpcId"
VPC_CIDR = "VpcCidr"
AVAILABILITY_ZONES = "AvailabilityZones"
PUBLIC_SUBNETS = "PublicSubnets"
PRIVATE_SUBNETS = "PrivateSubnets"
ACCESS_LOG_BUCKET = "AccessLogBucket"
# The cluster's.
CLUSTER_NAME = "ClusterName"
CAPACITY_PROVIDER = "CapacityProvider"
HOST_SECURITY_GROUP = "HostSecurityGroup"
HOST_IMAGE_ID = "HostImageId"
# A service's.
LOAD_BALANCER_DELETION_PROTECTION = "LoadBalancerDeletionProtection"
LOAD_BALANCER_SECURITY_GROUP = "LoadBalancerSecurityGroup"  # its output; callers take it per callee
SERVICE_URL = "ServiceUrl"  # its output, SCHEME://DNS:PORT: callers take it per callee, root.yaml a public one
# Operator access's.
BASTION_IMAGE_ID = "BastionImageId"
VPN_SECURITY_GROUP = "VpnSecurityGroup"  # its output; services `reachable_from: [vpn]` take it


def callee_security_group(callee: str) -> str:
    """The parameter a caller takes its callee's load balancer group by (`ImagesLoadBalancerSecurityGroup`)."""
    return logical_id(callee, LOAD_BALANCER_SECURITY_GROUP)


def callee_url(callee: str) -> str:
    """The parameter a caller takes its callee's URL by (`ImagesServiceUrl`), for the callee's `<CALLEE>_URL`."""
    return logical_id(callee, SERVICE_URL)


def topic_arn_output(topic: str) -> str:
    """The output a publisher's stack gives its topic's ARN by (`OrderEventsTopicArn`)."""
    return logical_id(topic, "TopicArn")


def topic_arn_parameter(publisher: str, topic: str) -> str:
    """The parameter a subscriber takes a publisher's topic ARN by (`OrdersOrderEventsTopicArn`)."""
    return logical_id(publisher, topic_arn_output(topic))


# Console groups, in the order shown; a parameter in none of them goes under "Other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Network", (VPC_ID, VPC_CIDR, AVAILABILITY_ZONES, PUBLIC_SUBNETS, PRIVATE_SUBNETS)),
    ("Cluster", (CLUSTER_NAME, CAPACITY_PROVIDER, HOST_SECURITY_GROUP, HOST_IMAGE_ID)),
    ("Load balancer", (ACCESS_LOG_BUCKET, LOAD_BALANCER_DELETION_PROTECTION)),
    ("Operator access", (BASTION_IMAGE_ID, VPN_SECURITY_GROUP)),
)
LABELS = {
    VPC_ID: "VPC",
    VPC_CIDR: "VPC CIDR block",
    AVAILABILITY_ZONES: "Availability zones",
    PUBLIC_SUBNETS: "Public subnets (one per AZ)",
    PRIVATE_SUBNETS: "Private subnets (one per AZ)",
    CLUSTER_NAME: "ECS cluster",
    CAPACITY_PROVIDER: "EC2 capacity provider",
    HOST_SECURITY_GROUP: "Security group of the ECS hosts",
    HOST_IMAGE_ID: "AMI of the ECS hosts (SSM parameter name)",
    ACCESS_LOG_BUCKET: "S3 bucket for access logs",
    LOAD_BALANCER_DELETION_PROTECTION: "Protect the load balancer from deletion",
    BASTION_IMAGE_ID: "AMI of the bastion (SSM parameter name)",
    VPN_SECURITY_GROUP: "Security group of the Client VPN endpoint",
}
SUBNET_NOUNS = {PUBLIC_SUBNETS: "public subnets", PRIVATE_SUBNETS: "private subnets"}
