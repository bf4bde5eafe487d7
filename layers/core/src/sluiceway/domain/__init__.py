"""Pydantic models shared by steps, adapters and runtimes."""
