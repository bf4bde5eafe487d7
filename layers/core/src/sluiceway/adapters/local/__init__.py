"""Adapters for the embedded runtime that need no server: the local bucket."""
