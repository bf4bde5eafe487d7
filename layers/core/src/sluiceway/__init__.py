"""Sluiceway: AI document and automation pipelines as Amazon States Language state machines.

The same state machines (``statemachines/``) and Lambda handlers (``functions/``) run on AWS
(Step Functions + Lambda) and on the embedded runtime (Sluiceway's own ASL interpreter with an
embedded Postgres + pgvector).
"""

from __future__ import annotations

__version__ = "0.1.0"
