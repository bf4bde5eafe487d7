"""Queues: one SQS queue (and its dead-letter queue) per queue named by a ``sqs`` trigger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs

from infra.nag import Why, suppress
from infra.stacks.data import removal
from sluiceway.project import SqsTrigger

if TYPE_CHECKING:
    from constructs import Construct

    from infra.config import Config
    from infra.project import Project
    from infra.stacks.data import DataStack

# SQS event sources: the queue's visibility timeout must cover the consumer's timeout with room
# for retries inside a batch; AWS recommends at least 6x the function timeout.
VISIBILITY_FACTOR = 6


class QueuesStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        project: Project,
        data: DataStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        # A key of their own: S3 notifications add the bucket to the key policy of the queue
        # they send to, which on the data key would make the bucket and its key depend on each
        # other.
        self.key = kms.Key(
            self,
            "QueuesKey",
            alias=f"alias/{config.prefix}-queues",
            description="Sluiceway queues at rest",
            enable_key_rotation=True,
            removal_policy=removal(config),
        )
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for name, consumers in project.queues.items():
            timeout = max(fn.timeout_seconds for fn in consumers)
            receives = min(
                fn.trigger.max_receive_count
                for fn in consumers
                if isinstance(fn.trigger, SqsTrigger)
            )
            dlq = sqs.Queue(
                self,
                f"{name.capitalize()}DeadLetterQueue",
                queue_name=config.name(name, "dlq"),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.key,
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            suppress(
                dlq,
                Why("SQS3", "This is a dead-letter queue: it has no dead-letter queue of its own."),
            )
            self.dead_letter_queues[name] = dlq
            self.queues[name] = sqs.Queue(
                self,
                f"{name.capitalize()}Queue",
                queue_name=config.name(name),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=self.key,
                data_key_reuse=cdk.Duration.hours(1),
                enforce_ssl=True,
                visibility_timeout=cdk.Duration.seconds(VISIBILITY_FACTOR * timeout),
                retention_period=cdk.Duration.days(4),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=receives),
            )
