"""Parsing of the fields that many states share: paths, templates, timeouts, Retry, Catch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluiceway.asl import errors
from sluiceway.asl.model import ROOT, Catcher, Retrier
from sluiceway.asl.paths import JsonPath, PathSyntaxError, parse_path
from sluiceway.asl.payload import PayloadTemplate, compile_template

JITTER = ("FULL", "NONE")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class FieldParser:
    """Collects diagnostics while compiling fields."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.names: dict[str, str] = {}

    def schema(self, message: str, location: str | None) -> None:
        """A SCHEMA_VALIDATION_FAILED problem; ``None``: AWS gives no location ("at null")."""
        where = "null" if location is None else location or "/"
        self.problems.append(f"SCHEMA_VALIDATION_FAILED: {message} at {where}")

    def map_field(
        self, spec: Mapping[str, Any], key: str, where: str, jsonata: bool, config_key: str
    ) -> Mapping[str, Any] | None:
        """A Map object field (ItemReader, ResultWriter): None when absent or not an object;
        reports the keys other than Resource, ``config_key`` and Parameters/Arguments."""
        config = spec.get(key)
        if config is None:
            return None
        at = f"{where}/{key}"
        if not isinstance(config, Mapping):
            self.schema(f"The value for the field '{key}' must be an OBJECT", at)
            return None
        arguments = "Arguments" if jsonata else "Parameters"
        for name in config:
            if name not in ("Resource", config_key, arguments):
                self.schema(f"Field '{name}' is not supported", at)
        return config

    def unsupported(self, key: str, location: str) -> None:
        self.problems.append(
            f"UNSUPPORTED_FEATURE: Field '{key}' is not supported by this engine yet at {location or '/'}"
        )

    def path(
        self,
        spec: Mapping[str, Any],
        key: str,
        where: str,
        *,
        nullable: bool = False,
        reference: bool = False,
        context: bool = True,
        variable: bool = True,
        default: JsonPath | None = None,
    ) -> JsonPath | None:
        if key not in spec:
            return default
        value = spec[key]
        if value is None and nullable:
            return None
        # AWS's words (the location names the field).
        problem = (
            "Value is not a Reference Path" if reference else "Value must be a valid JSONPath."
        )
        try:
            path = parse_path(value)
        except (PathSyntaxError, TypeError):
            self.schema(problem, f"{where}/{key}")
            return default
        if (
            (reference and not path.is_reference)
            or (path.context and not context)
            or (path.variable is not None and not variable)
        ):
            self.schema(problem, f"{where}/{key}")
            return default
        return path

    def template(self, spec: Mapping[str, Any], key: str, where: str) -> PayloadTemplate | None:
        if key not in spec:
            return None
        if key == "ResultSelector" and not isinstance(spec[key], Mapping):
            self.schema(f"The value for the field '{key}' must be an OBJECT", f"{where}/{key}")
        return compile_template(spec[key], f"{where}/{key}", self.problems)

    def result_path(self, spec: Mapping[str, Any], where: str) -> JsonPath | None:
        return self.path(
            spec,
            "ResultPath",
            where,
            nullable=True,
            reference=True,
            context=False,
            variable=False,
            default=ROOT,
        )

    def seconds(
        self, spec: Mapping[str, Any], key: str, where: str, *, allow_zero: bool = False
    ) -> float | None:
        value = spec.get(key)
        if value is None:
            return None
        if not is_int(value) or value < (0 if allow_zero else 1):
            kind = "a non-negative" if allow_zero else "a positive"
            self.schema(f"The value for the field '{key}' must be {kind} integer", f"{where}/{key}")
            return None
        return float(value)

    def exclusive(
        self, spec: Mapping[str, Any], keys: tuple[str, ...], where: str, *, required: bool = False
    ) -> None:
        present = [key for key in keys if key in spec]
        if len(present) > 1:
            self.schema(
                f"There should only be one of the following fields: [{', '.join(present)}]", where
            )
        elif required and not present:
            self.schema(f"Exactly one of these fields is required: [{', '.join(keys)}]", where)

    def execution_fields(
        self, spec: Mapping[str, Any], where: str, jsonata: bool = False
    ) -> dict[str, Any]:
        retry = self.retriers(spec.get("Retry", []), f"{where}/Retry")
        catch = self.catchers(spec.get("Catch", []), f"{where}/Catch", jsonata)
        if jsonata:
            return {"retry": retry, "catch": catch}
        return {
            "parameters": self.template(spec, "Parameters", where),
            "result_selector": self.template(spec, "ResultSelector", where),
            "result_path": self.result_path(spec, where),
            "retry": retry,
            "catch": catch,
        }

    def catcher_extras(self, spec: Mapping[str, Any], where: str, jsonata: bool) -> dict[str, Any]:
        """Assign and Output of a catcher (the query-language parser fills them in)."""
        return {}

    def error_equals(
        self, spec: Mapping[str, Any], where: str, *, last: bool, kind: str
    ) -> tuple[str, ...]:
        names = spec.get("ErrorEquals")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.schema(
                "The value for the field 'ErrorEquals' must be a non-empty array of STRING",
                f"{where}/ErrorEquals",
            )
            return ()
        if errors.ALL in names and len(names) > 1:
            self.schema("States.ALL must appear alone in 'ErrorEquals'", f"{where}/ErrorEquals")
        if errors.ALL in names and not last:
            self.schema(f"States.ALL must appear in the last {kind}", where)
        return tuple(names)

    def retriers(self, spec: Any, where: str) -> tuple[Retrier, ...]:
        if not isinstance(spec, list):
            self.schema("The value for the field 'Retry' must be an array", where)
            return ()
        retriers: list[Retrier] = []
        for i, item in enumerate(spec):
            at = f"{where}[{i}]"
            if not isinstance(item, Mapping):
                self.schema("A Retrier must be a JSON object", at)
                continue
            for key in item:
                if key not in (
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ):
                    self.schema(f"Field '{key}' is not supported", at)
            names = self.error_equals(item, at, last=i == len(spec) - 1, kind="Retrier")
            interval = self.seconds(item, "IntervalSeconds", at)
            max_delay = self.seconds(item, "MaxDelaySeconds", at)
            attempts = item.get("MaxAttempts", 3)
            if not (is_int(attempts) and attempts >= 0):
                self.schema(
                    "The value for the field 'MaxAttempts' must be a non-negative integer",
                    f"{at}/MaxAttempts",
                )
                attempts = 3
            backoff = item.get("BackoffRate", 2.0)
            if not (is_number(backoff) and backoff >= 1.0):
                self.schema(
                    "The value for the field 'BackoffRate' must be a number >= 1.0",
                    f"{at}/BackoffRate",
                )
                backoff = 2.0
            jitter = item.get("JitterStrategy", "NONE")
            if jitter not in JITTER:
                self.schema(
                    "The value for the field 'JitterStrategy' must be FULL or NONE",
                    f"{at}/JitterStrategy",
                )
                jitter = "NONE"
            retriers.append(
                Retrier(
                    error_equals=names,
                    interval_seconds=interval or 1.0,
                    max_attempts=attempts,
                    backoff_rate=float(backoff),
                    max_delay_seconds=max_delay,
                    jitter_strategy=jitter,
                )
            )
        return tuple(retriers)

    def catchers(self, spec: Any, where: str, jsonata: bool = False) -> tuple[Catcher, ...]:
        if not isinstance(spec, list):
            self.schema("The value for the field 'Catch' must be an array", where)
            return ()
        catchers: list[Catcher] = []
        for i, item in enumerate(spec):
            at = f"{where}[{i}]"
            if not isinstance(item, Mapping):
                self.schema("A Catcher must be a JSON object", at)
                continue
            allowed = ("Output",) if jsonata else ("ResultPath",)
            for key in item:
                if key not in ("ErrorEquals", "Next", "Comment", "Assign", *allowed):
                    self.schema(f"Field '{key}' is not supported", at)
            names = self.error_equals(item, at, last=i == len(spec) - 1, kind="Catcher")
            target = item.get("Next")
            if not isinstance(target, str):
                self.schema("These fields are required: [Next]", at)
                continue
            catchers.append(
                Catcher(
                    error_equals=names,
                    next=target,
                    result_path=None if jsonata else self.result_path(item, at),
                    **self.catcher_extras(item, at, jsonata),
                )
            )
        return tuple(catchers)
