"""The template's processes: one ECS service and task definition per process, with its
least-privilege task role, its log group and its autoscaling (`cfn_scaling.py`); the ingress's
service sits behind the load balancer.
"""

from __future__ import annotations

from videoshare.infra.cfn import (
    CAPACITY_ASSOCIATION,
    CAPACITY_PROVIDER,
    CLUSTER,
    EXECUTION_ROLE,
    HTTP_LISTENER,
    NO_VALUE,
    PLAYBACK_SECRET,
    STACK,
    TARGET_GROUP,
    TASK_SECURITY_GROUP,
    USE_API_GATEWAY,
    USE_FARGATE,
    WEB_ORIGIN,
    Json,
    get_att,
    if_,
    logical_id,
    named,
    ref,
    resource,
    sub,
)
from videoshare.infra.cfn_cdn import cdn_environment, cdn_secret_statement
from videoshare.infra.cfn_data import (
    BUCKET_SUFFIX,
    HAS_RESTORED_TABLES,
    RESTORED_TABLES,
    TOPIC,
    dlq_id,
    queue_id,
)
from videoshare.infra.cfn_identity import USER_POOL, USER_POOL_CLIENT
from videoshare.infra.cfn_scaling import scaling_resources
from videoshare.infra.processes import (
    CONSUME_ACTIONS,
    DEAD_LETTER_ACTIONS,
    TABLE_ACTIONS,
    Process,
)

_ASSUMED_BY_TASKS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def capacity_provider_strategy() -> Json:
    fargate = [{"CapacityProvider": "FARGATE", "Weight": 1}]
    return if_(USE_FARGATE, fargate, [{"CapacityProvider": ref(CAPACITY_PROVIDER), "Weight": 1}])


def process_resources(
    process: Process, environment: dict[str, Json], stop_timeout_s: int
) -> dict[str, Json]:
    """Log group, task role, task definition, service and scaling of one process;
    `stop_timeout_s`: how long ECS waits after SIGTERM before it kills the container."""
    name = process.name
    service = logical_id(name, "service")
    out: dict[str, Json] = {
        logical_id(name, "logs"): resource(
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": sub("/videoshare/${%s}/%s" % (STACK, name)),  # noqa: UP031
                "RetentionInDays": ref("LogRetentionDays"),
            },
        ),
        logical_id(name, "task-role"): resource(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": _ASSUMED_BY_TASKS,
                "Policies": [{"PolicyName": "least-privilege", "PolicyDocument": _policy(process)}],
            },
        ),
        logical_id(name, "task"): _task_definition(process, environment, stop_timeout_s),
        service: _service(process),
        **scaling_resources(process, service),
    }
    return out


def _policy(process: Process) -> Json:
    bucket = sub("arn:${AWS::Partition}:s3:::${%s}-%s" % (STACK, BUCKET_SUFFIX))  # noqa: UP031
    # by name, so that tables restored by point-in-time recovery (<Stack>-<label>-<name>,
    # `RESTORED_TABLES`) are covered as well as the stack's own (<Stack>-<name>)
    tables = [
        sub(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}-*%s%s"  # noqa: UP031
            % (STACK, name, suffix)
        )
        for name in process.tables
        for suffix in ("", "/index/*")
    ]
    statements: list[Json] = [
        {
            "Sid": "Tables",
            "Effect": "Allow",
            "Action": list(TABLE_ACTIONS),
            "Resource": tables,
        },
        {
            # every process finds the stack's queues and topic by name at start
            "Sid": "FindQueues",
            "Effect": "Allow",
            "Action": "sqs:GetQueueUrl",
            "Resource": sub(
                "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${%s}-*" % STACK  # noqa: UP031
            ),
        },
        {"Sid": "FindTopic", "Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"},
        {
            "Sid": "Publish",
            "Effect": "Allow",
            "Action": ["sns:Publish", "sns:GetTopicAttributes"],
            "Resource": ref(TOPIC),
        },
    ]
    if process.is_worker:
        statements.append(
            {
                "Sid": "OwnQueue",
                "Effect": "Allow",
                "Action": list(CONSUME_ACTIONS),
                "Resource": get_att(queue_id(process.name), "Arn"),
            }
        )
        statements.append(
            {
                "Sid": "OwnDeadLetterQueue",
                "Effect": "Allow",
                "Action": list(DEAD_LETTER_ACTIONS),
                "Resource": get_att(dlq_id(process.name), "Arn"),
            }
        )
    if process.sends_to:
        statements.append(
            {
                "Sid": "SendTo",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": [get_att(queue_id(q), "Arn") for q in process.sends_to],
            }
        )
    if process.bucket_actions:
        statements.append(
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Action": list(process.bucket_actions),
                "Resource": bucket,
            }
        )
    for access in process.objects:
        statements.append(
            {
                # "ObjectsUploads", "ObjectsMedia": one statement per key prefix
                "Sid": "Objects" + access.prefix.strip("/").capitalize(),
                "Effect": "Allow",
                "Action": list(access.actions),
                "Resource": sub(
                    "arn:${AWS::Partition}:s3:::${%s}-%s/%s*"  # noqa: UP031
                    % (STACK, BUCKET_SUFFIX, access.prefix)
                ),
            }
        )
    if not process.is_worker:
        statements.append(cdn_secret_statement())
    if process.user_pool_actions:
        statements.append(
            {
                "Sid": "UserPool",
                "Effect": "Allow",
                "Action": list(process.user_pool_actions),
                "Resource": get_att(USER_POOL, "Arn"),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def container_environment(process: Process) -> dict[str, Json]:
    """The settings of one process's container (`settings.py` names), as the template sets them."""
    env: dict[str, Json] = {
        "VIDEOSHARE_MODE": "aws",
        "VIDEOSHARE_STACK": ref(STACK),
        "AWS_REGION": ref("AWS::Region"),
        "VIDEOSHARE_COGNITO_USER_POOL_ID": ref(USER_POOL),
        "VIDEOSHARE_COGNITO_CLIENT_ID": ref(USER_POOL_CLIENT),
        "VIDEOSHARE_TABLE_PREFIX": if_(
            HAS_RESTORED_TABLES,
            sub("${%s}-${%s}" % (STACK, RESTORED_TABLES)),  # noqa: UP031
            ref(STACK),
        ),
    }
    if process.is_worker:
        env["VIDEOSHARE_HEALTH_HOST"] = "0.0.0.0"  # noqa: S104 - the container's own interface
        env["VIDEOSHARE_HEALTH_PORT"] = str(process.port)
    else:
        env["VIDEOSHARE_API_HOST"] = "0.0.0.0"  # noqa: S104 - behind the load balancer
        env["VIDEOSHARE_API_PORT"] = str(process.port)
        env["VIDEOSHARE_WEB_ORIGIN"] = ref(WEB_ORIGIN)
        env["VIDEOSHARE_PUBLIC_BASE_URL"] = ref(WEB_ORIGIN)
        # the load balancer appends the caller to X-Forwarded-For (login limits per address);
        # behind API Gateway the HTTP API appends the caller, then the balancer the VPC link
        env["VIDEOSHARE_TRUSTED_PROXY_HOPS"] = if_(USE_API_GATEWAY, "2", "1")
        # botocore presigns virtual-hosted URLs on the global S3 name in every region
        # (https://BUCKET.s3.amazonaws.com/...): the web app's CSP must allow exactly that
        env["VIDEOSHARE_MEDIA_ORIGIN"] = sub(
            "https://${%s}-%s.s3.amazonaws.com" % (STACK, BUCKET_SUFFIX)  # noqa: UP031
        )
        # media (playback, downloads) through CloudFront, signed by the ingress
        env.update(cdn_environment())
    return env


# Settings a container gets from Secrets Manager rather than its plain environment.
SECRET_SETTINGS = {"VIDEOSHARE_PLAYBACK_SECRET": PLAYBACK_SECRET}


def _task_definition(process: Process, environment: dict[str, Json], stop_timeout_s: int) -> Json:
    container: dict[str, Json] = {
        "Name": process.name,
        "Image": ref("ImageUri"),
        "Command": list(process.command),
        "Essential": True,
        "Environment": [{"Name": k, "Value": v} for k, v in environment.items()],
        "HealthCheck": {
            "Command": ["CMD", "videoshare", "healthcheck"],
            "Interval": 30,
            "Timeout": 5,
            "Retries": 3,
            "StartPeriod": 30,
        },
        "LinuxParameters": {"InitProcessEnabled": True},
        "StopTimeout": stop_timeout_s,
        "LogConfiguration": {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": ref(logical_id(process.name, "logs")),
                "awslogs-region": ref("AWS::Region"),
                "awslogs-stream-prefix": process.name,
            },
        },
    }
    if not process.is_worker:
        container["PortMappings"] = [{"ContainerPort": process.port, "Protocol": "tcp"}]
        container["Secrets"] = [
            {"Name": k, "ValueFrom": ref(v)} for k, v in SECRET_SETTINGS.items()
        ]
    properties: dict[str, Json] = {
        "Family": named(process.name),
        "RequiresCompatibilities": if_(USE_FARGATE, ["FARGATE"], ["EC2"]),
        "NetworkMode": if_(USE_FARGATE, "awsvpc", "bridge"),
        "Cpu": str(process.cpu),
        "Memory": str(process.memory_mib),
        "ExecutionRoleArn": get_att(EXECUTION_ROLE, "Arn"),
        "TaskRoleArn": get_att(logical_id(process.name, "task-role"), "Arn"),
        "ContainerDefinitions": [container],
    }
    if process.scratch_gib:
        properties["EphemeralStorage"] = if_(
            USE_FARGATE, {"SizeInGiB": process.scratch_gib}, NO_VALUE
        )
    return resource("AWS::ECS::TaskDefinition", properties)


def _service(process: Process) -> Json:
    properties: dict[str, Json] = {
        "ServiceName": named(process.name),
        "Cluster": ref(CLUSTER),
        "TaskDefinition": ref(logical_id(process.name, "task")),
        "DesiredCount": process.min_tasks,
        "CapacityProviderStrategy": capacity_provider_strategy(),
        "NetworkConfiguration": if_(
            USE_FARGATE,
            {
                "AwsvpcConfiguration": {
                    "Subnets": ref("SubnetIds"),
                    "SecurityGroups": [ref(TASK_SECURITY_GROUP)],
                    "AssignPublicIp": "ENABLED",  # pulls the image without a NAT gateway
                }
            },
            NO_VALUE,
        ),
        "DeploymentConfiguration": {
            "MinimumHealthyPercent": 100,
            "MaximumPercent": 200,
            "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        },
        "PropagateTags": "SERVICE",
    }
    depends_on = [CAPACITY_ASSOCIATION]
    if not process.is_worker:
        properties["LoadBalancers"] = [
            {
                "ContainerName": process.name,
                "ContainerPort": process.port,
                "TargetGroupArn": ref(TARGET_GROUP),
            }
        ]
        properties["HealthCheckGracePeriodSeconds"] = 60
        depends_on.append(HTTP_LISTENER)
    return resource("AWS::ECS::Service", properties, DependsOn=depends_on)
