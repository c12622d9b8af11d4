"""How each process's ECS service scales: a worker on its own queue's backlog per running
task (target tracking on metric math over SQS and Container Insights), the ingress on CPU.
"""

from __future__ import annotations

from videoshare.infra.cfn import CLUSTER, Json, get_att, logical_id, named, ref, resource
from videoshare.infra.cfn_data import queue_id
from videoshare.infra.processes import Process


def scaling_resources(process: Process, service: str) -> dict[str, Json]:
    """The scalable target (min..max tasks) and its target-tracking policy."""
    return {
        logical_id(process.name, "scaling-target"): resource(
            "AWS::ApplicationAutoScaling::ScalableTarget",
            {
                "MinCapacity": process.min_tasks,
                "MaxCapacity": process.max_tasks,
                "ResourceId": {
                    "Fn::Join": ["/", ["service", ref(CLUSTER), get_att(service, "Name")]]
                },
                "ScalableDimension": "ecs:service:DesiredCount",
                "ServiceNamespace": "ecs",
            },
        ),
        logical_id(process.name, "scaling-policy"): _scaling_policy(process, service),
    }


def _scaling_policy(process: Process, service: str) -> Json:
    target = logical_id(process.name, "scaling-target")
    if not process.is_worker:
        tracking: Json = {
            "TargetValue": process.target,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "ScaleInCooldown": 300,
            "ScaleOutCooldown": 60,
        }
    else:
        tracking = {
            # messages waiting per running task; more tasks bring it down
            "TargetValue": process.target,
            "CustomizedMetricSpecification": {
                "Metrics": [
                    {
                        "Id": "visible",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/SQS",
                                "MetricName": "ApproximateNumberOfMessagesVisible",
                                "Dimensions": [
                                    {
                                        "Name": "QueueName",
                                        "Value": get_att(queue_id(process.name), "QueueName"),
                                    }
                                ],
                            },
                            "Stat": "Sum",
                        },
                        "ReturnData": False,
                    },
                    {
                        "Id": "tasks",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "ECS/ContainerInsights",
                                "MetricName": "RunningTaskCount",
                                "Dimensions": [
                                    {"Name": "ClusterName", "Value": ref(CLUSTER)},
                                    {"Name": "ServiceName", "Value": get_att(service, "Name")},
                                ],
                            },
                            "Stat": "Average",
                        },
                        "ReturnData": False,
                    },
                    {
                        "Id": "backlog_per_task",
                        "Expression": "visible / tasks",
                        "Label": f"{process.name} messages visible per running task",
                        "ReturnData": True,
                    },
                ]
            },
            "ScaleInCooldown": 300,
            "ScaleOutCooldown": 60,
        }
    return resource(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": named(f"{process.name}-scaling"),
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": ref(target),
            "TargetTrackingScalingPolicyConfiguration": tracking,
        },
    )
