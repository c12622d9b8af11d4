"""What the processes run on: the ECS cluster and its EC2 capacity (an Auto Scaling group behind
a capacity provider; Fargate instead when the `LaunchType` parameter says so), the tasks'
security group and the execution role. The way in is `cfn_entry.py`.
"""

from __future__ import annotations

from videoshare.infra.cfn import (
    ALB_SECURITY_GROUP,
    CAPACITY_ASSOCIATION,
    CAPACITY_PROVIDER,
    CLUSTER,
    EXECUTION_ROLE,
    PLAYBACK_SECRET,
    STACK,
    TASK_SECURITY_GROUP,
    USE_EC2,
    USE_FARGATE,
    Json,
    get_att,
    if_,
    named,
    ref,
    resource,
    sub,
)
from videoshare.infra.cfn_services import capacity_provider_strategy
from videoshare.infra.processes import API_PORT

_EPHEMERAL_PORTS = (32768, 65535)  # bridge networking on EC2 maps container ports here


def platform_resources() -> dict[str, Json]:
    return {
        **_network(),
        CLUSTER: resource(
            "AWS::ECS::Cluster",
            {
                "ClusterName": named("cluster"),
                # RunningTaskCount per service: the denominator of the workers' scaling metric
                "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
            },
        ),
        **_ec2_capacity(),
        CAPACITY_ASSOCIATION: resource(
            "AWS::ECS::ClusterCapacityProviderAssociations",
            {
                "Cluster": ref(CLUSTER),
                "CapacityProviders": if_(
                    USE_FARGATE, ["FARGATE", "FARGATE_SPOT"], [ref(CAPACITY_PROVIDER)]
                ),
                "DefaultCapacityProviderStrategy": capacity_provider_strategy(),
            },
        ),
        EXECUTION_ROLE: resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AmazonECSTaskExecutionRolePolicy"
                    )
                ],
                "Policies": [
                    {
                        "PolicyName": "playback-secret",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "secretsmanager:GetSecretValue",
                                    "Resource": ref(PLAYBACK_SECRET),
                                }
                            ],
                        },
                    }
                ],
            },
        ),
    }


def _network() -> dict[str, Json]:
    return {
        TASK_SECURITY_GROUP: resource(
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": sub(
                    "${%s} tasks and container instances: only the load balancer comes in"  # noqa: UP031
                    % STACK
                ),
                "VpcId": ref("VpcId"),
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": low,
                        "ToPort": high,
                        "SourceSecurityGroupId": ref(ALB_SECURITY_GROUP),
                    }
                    for low, high in ((API_PORT, API_PORT), _EPHEMERAL_PORTS)
                ],
            },
        ),
    }


def _ec2_capacity() -> dict[str, Json]:
    on_ec2 = {"Condition": USE_EC2}
    return {
        "InstanceRole": resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AmazonEC2ContainerServiceforEC2Role"
                    ),
                    sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"),
                ],
            },
            **on_ec2,
        ),
        "InstanceProfile": resource(
            "AWS::IAM::InstanceProfile", {"Roles": [ref("InstanceRole")]}, **on_ec2
        ),
        "LaunchTemplate": resource(
            "AWS::EC2::LaunchTemplate",
            {
                "LaunchTemplateData": {
                    "ImageId": ref("EcsAmiId"),
                    "InstanceType": ref("InstanceType"),
                    "IamInstanceProfile": {"Arn": get_att("InstanceProfile", "Arn")},
                    "NetworkInterfaces": [
                        {
                            "DeviceIndex": 0,
                            "AssociatePublicIpAddress": True,  # no NAT gateway needed
                            "Groups": [ref(TASK_SECURITY_GROUP)],
                        }
                    ],
                    # IMDSv2 only, and one hop: a container (one hop further, on the bridge) gets no
                    # answer, so it cannot take the instance's role; tasks have their own roles
                    "MetadataOptions": {
                        "HttpEndpoint": "enabled",
                        "HttpTokens": "required",
                        "HttpPutResponseHopLimit": 1,
                    },
                    # images and the transcoder's work files live on the root volume
                    "BlockDeviceMappings": [
                        {
                            "DeviceName": "/dev/xvda",
                            "Ebs": {
                                "VolumeSize": ref("InstanceDiskGiB"),
                                "VolumeType": "gp3",
                                "Encrypted": True,
                            },
                        }
                    ],
                    "UserData": {
                        "Fn::Base64": sub(
                            "#!/bin/bash\necho ECS_CLUSTER=${%s} >> /etc/ecs/ecs.config\n" % CLUSTER  # noqa: UP031
                        )
                    },
                }
            },
            **on_ec2,
        ),
        "AutoScalingGroup": resource(
            "AWS::AutoScaling::AutoScalingGroup",
            {
                "VPCZoneIdentifier": ref("SubnetIds"),
                "LaunchTemplate": {
                    "LaunchTemplateId": ref("LaunchTemplate"),
                    "Version": get_att("LaunchTemplate", "LatestVersionNumber"),
                },
                "MinSize": "0",
                "MaxSize": ref("InstancesMax"),
                "Tags": [
                    {"Key": "Name", "Value": named("ecs"), "PropagateAtLaunch": True},
                    {"Key": "AmazonECSManaged", "Value": "", "PropagateAtLaunch": True},
                ],
            },
            **on_ec2,
        ),
        CAPACITY_PROVIDER: resource(
            "AWS::ECS::CapacityProvider",
            {
                "AutoScalingGroupProvider": {
                    "AutoScalingGroupArn": ref("AutoScalingGroup"),
                    # the group grows and shrinks with the tasks placed on it
                    "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 100},
                    "ManagedTerminationProtection": "DISABLED",
                }
            },
            **on_ec2,
        ),
    }
