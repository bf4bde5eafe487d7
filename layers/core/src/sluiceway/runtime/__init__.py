"""Runtimes: the Lambda handler wrapper, durable steps, and the embedded local runtime."""
