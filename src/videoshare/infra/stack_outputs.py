"""The processes' resources as a deployed data-plane stack's outputs name them
(`cfn_data.resources_outputs()`): the same `Resources` that `resources.resolve()` finds by name,
read from `describe-stacks` instead. The identity stack's user pool comes beside it."""

from __future__ import annotations

from collections.abc import Mapping

from videoshare.infra.cfn_data import (
    BUCKET_OUTPUT,
    TOPIC_OUTPUT,
    dlq_url_output,
    queue_url_output,
)
from videoshare.infra.resources import MissingResource, Resources
from videoshare.infra.topology import Topology


def resources_from_outputs(
    outputs: Mapping[str, str], topo: Topology, *, user_pool_id: str, client_id: str
) -> Resources:
    """`outputs`: OutputKey → OutputValue of the data-plane stack."""

    def output(key: str) -> str:
        try:
            return outputs[key]
        except KeyError:
            raise MissingResource(f"the data-plane stack has no output {key}") from None

    consumers = [c.consumer for c in topo.consumers]
    return Resources(
        bucket=output(BUCKET_OUTPUT),
        topic_arn=output(TOPIC_OUTPUT),
        queue_urls={name: output(queue_url_output(name)) for name in consumers},
        dlq_urls={name: output(dlq_url_output(name)) for name in consumers},
        user_pool_id=user_pool_id,
        client_id=client_id,
    )
