"""Sluiceway's HTTP API, versioned under ``/v1``: one Lambda handler behind API Gateway (REST,
proxy integration) and, unchanged, behind the local server of ``sluiceway serve``.

``functions/api/handler.py`` is one line over :data:`lambda_handler`; the routes are in
:mod:`sluiceway.api.routes`, the OpenAPI spec is generated from them (``docs/openapi.json``).
"""

from __future__ import annotations

from sluiceway.api.app import Api
from sluiceway.api.framework import BASE_PATH, MAX_BODY_BYTES

lambda_handler = Api()

__all__ = ["BASE_PATH", "MAX_BODY_BYTES", "Api", "lambda_handler"]
