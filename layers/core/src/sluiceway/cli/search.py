"""``sluiceway search QUERY``: nearest chunks by cosine similarity (pgvector HNSW)."""

from __future__ import annotations

import argparse
import json

from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    with LocalRuntime(settings) as runtime:
        deps = runtime.deps
        vector = deps.embedder.embed([args.query])[0]
        hits = deps.vectors.search(args.tenant or settings.tenant, vector, args.limit)
    if args.json:
        for hit in hits:
            print(json.dumps({**hit, "score": round(float(hit["score"]), 4)}))
        return 0
    from rich.table import Table

    from sluiceway.cli.output import console

    table = Table(title=f"search: {args.query}")
    for column in ("score", "file", "type", "chunk", "text"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        snippet = " ".join(hit["text"].split())[:160]
        table.add_row(
            f"{float(hit['score']):.3f}",
            hit["filename"],
            hit["document_type"] or "",
            str(hit["idx"]),
            snippet,
        )
    console().print(table)
    return 0
