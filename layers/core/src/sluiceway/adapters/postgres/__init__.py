"""Postgres adapters: connection handling, migrations, the state store and the vector store."""
