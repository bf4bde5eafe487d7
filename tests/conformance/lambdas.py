"""Lambda handlers that recorded executions call, by the key a recording names them with.

A recording maps each function name in its definition (``"lambdas": {"fn": "echo"}``) to one of
these. They are tiny on purpose: the recordings measure the interpreter, not the functions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


def echo(event: Any) -> Any:
    """Returns its input (AWS's "return event")."""
    return event


def return_none(event: Any) -> Any:
    return None


def hello_world(event: Any) -> Any:
    """Returns the string "HelloWorld!"."""
    return "HelloWorld!"


class CustomError(Exception):
    """A handler's own exception type: Error = "CustomError"."""


def return_hello_world(event: Any) -> Any:
    return {"Return": "HelloWorld"}


def return_json_string(event: Any) -> Any:
    """AWS's function returns the bytes ``b'"HelloWorld!"'``, which Lambda passes on as JSON."""
    return "HelloWorld!"


def return_large_string(event: Any) -> Any:
    """A result over the 256 KiB limit (257 KiB of "a")."""
    return "a" * (257 * 1024)


async def wait_forever(event: Any) -> Any:
    """Never returns (AWS's function sleeps longer than the state's TimeoutSeconds)."""
    await asyncio.Event().wait()


def describe_event(event: Any) -> Any:
    """Returns a text naming its input the Python way (``"input-event-['a']"``)."""
    return f"input-event-{event}"


def raise_exception(event: Any) -> Any:
    raise Exception("Some exception was raised.")


def raise_custom(event: Any) -> Any:
    raise CustomError("CustomError was raised.")


HANDLERS: dict[str, Callable[[Any], Any]] = {
    "echo": echo,
    "return_none": return_none,
    "return_hello_world": return_hello_world,
    "return_json_string": return_json_string,
    "return_large_string": return_large_string,
    "wait_forever": wait_forever,
    "hello_world": hello_world,
    "describe_event": describe_event,
    "raise_exception": raise_exception,
    "raise_custom": raise_custom,
}
