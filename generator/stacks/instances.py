"""The one way to launch EC2 instances (cluster hosts, the bastion): a launch template that requires
IMDSv2 with a single hop (so containers cannot borrow the instance role), encrypts its gp3 root
volume, and decides explicitly whether the instance gets a public address (SPEC 5.1, 5.8)."""

from __future__ import annotations

from troposphere import AWSHelperFn, Base64, GetAtt, ec2, iam

from generator.blueprint.model import Blueprint
from generator.stacks.common import tags_with_name


def launch_template_data(
    blueprint: Blueprint,
    *,
    name: str,
    image: AWSHelperFn,
    instance_type: str,
    profile: iam.InstanceProfile,
    group: ec2.SecurityGroup,
    volume_gb: int,
    public_ip: bool,
    user_data: str | AWSHelperFn,
    key_name: str | None,
) -> ec2.LaunchTemplateData:
    data = ec2.LaunchTemplateData(
        ImageId=image,
        InstanceType=instance_type,
        IamInstanceProfile=ec2.IamInstanceProfile(Arn=GetAtt(profile, "Arn")),
        MetadataOptions=ec2.MetadataOptions(HttpTokens="required", HttpEndpoint="enabled",
                                            HttpPutResponseHopLimit=1),
        BlockDeviceMappings=[ec2.LaunchTemplateBlockDeviceMapping(
            DeviceName="/dev/xvda",
            Ebs=ec2.EBSBlockDevice(VolumeSize=volume_gb, VolumeType="gp3", Encrypted=True, DeleteOnTermination=True),
        )],
        NetworkInterfaces=[ec2.NetworkInterfaces(
            DeviceIndex=0, AssociatePublicIpAddress=public_ip, Groups=[GetAtt(group, "GroupId")],
            DeleteOnTermination=True,
        )],
        Monitoring=ec2.Monitoring(Enabled=True),
        UserData=Base64(user_data),
        TagSpecifications=[ec2.TagSpecifications(
            ResourceType="volume", Tags=tags_with_name(blueprint, name),
        )],
    )
    if key_name:
        data.KeyName = key_name
    return data
