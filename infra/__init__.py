"""Sluiceway on AWS: the CDK app (``infra/app.py``) and its stacks.

Everything is configured from CDK context (``infra/cdk.json``, or ``-c sluiceway:KEY=VALUE``);
see :mod:`infra.config` for every key and ``docs/deploy.md`` for how to deploy.
"""
