from __future__ import annotations

from sluiceway import api

lambda_handler = api.lambda_handler
