"""The embedded runtime: worker processes running ASL executions over the embedded Postgres."""
