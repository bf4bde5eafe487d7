"""Parsing of each state type into its model dataclass."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from sluiceway.asl.choice import ChoiceRule, compile_rule, parse_timestamp
from sluiceway.asl.integrations import LAMBDA_INVOKE
from sluiceway.asl.intrinsics import (
    Intrinsic,
    IntrinsicSyntaxError,
    looks_like_intrinsic,
    parse_intrinsic,
)
from sluiceway.asl.model import (
    ROOT,
    STATE_TYPES,
    ChoiceState,
    FailState,
    Graph,
    MapState,
    ParallelState,
    PassState,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from sluiceway.asl.parse_fields import UNSUPPORTED, FieldParser, is_int, str_or_none
from sluiceway.asl.paths import JsonPath

_IO = ("InputPath", "OutputPath")
_FLOW = ("Next", "End")
_EXEC = ("Parameters", "ResultSelector", "ResultPath", "Retry", "Catch")
_ALLOWED: dict[str, frozenset[str]] = {
    "Pass": frozenset((*_IO, *_FLOW, "Parameters", "Result", "ResultPath")),
    "Task": frozenset(
        (
            *_IO,
            *_FLOW,
            *_EXEC,
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
        )
    ),
    "Choice": frozenset((*_IO, "Choices", "Default")),
    "Wait": frozenset((*_IO, *_FLOW, "Seconds", "Timestamp", "SecondsPath", "TimestampPath")),
    "Succeed": frozenset(_IO),
    "Fail": frozenset(("Error", "Cause", "ErrorPath", "CausePath")),
    "Parallel": frozenset((*_IO, *_FLOW, *_EXEC, "Branches")),
    "Map": frozenset(
        (
            *_IO,
            *_FLOW,
            *_EXEC,
            "ItemsPath",
            "ItemSelector",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "Label",
        )
    ),
}


class StateParser(FieldParser):
    """Compiles states; :meth:`graph` (nested branches and processors) is the subclass's."""

    @abstractmethod
    def graph(self, spec: Mapping[str, Any], location: str) -> Graph | None: ...

    def state(self, name: str, spec: Any, where: str) -> State | None:
        if not isinstance(spec, Mapping):
            self.schema("A state must be a JSON object", where)
            return None
        kind = spec.get("Type")
        if kind is None:
            self.schema("These fields are required: [Type]", where)
            return None
        if kind not in STATE_TYPES:
            self.schema(
                f"The value for the field 'Type' must be one of {list(STATE_TYPES)}",
                f"{where}/Type",
            )
            return None
        for key in spec:
            if key in ("Type", "Comment"):
                continue
            if key in UNSUPPORTED or (key == "QueryLanguage" and spec[key] != "JSONPath"):
                self.unsupported(key, where)
            elif key not in _ALLOWED[kind] and key != "QueryLanguage":
                self.schema(f"Field '{key}' is not supported", where)
        common: dict[str, Any] = {"name": name, "type": kind, **self.flow(kind, spec, where)}
        if isinstance(spec.get("Comment"), str):
            common["comment"] = spec["Comment"]
        if kind != "Fail":
            common["input_path"] = self.path(spec, "InputPath", where, nullable=True, default=ROOT)
            common["output_path"] = self.path(
                spec, "OutputPath", where, nullable=True, default=ROOT
            )
        builder = getattr(self, f"state_{kind.lower()}")
        state: State | None = builder(spec, where, common)
        return state

    def flow(self, kind: str, spec: Mapping[str, Any], where: str) -> dict[str, Any]:
        has_next, has_end = "Next" in spec, "End" in spec
        if kind in ("Choice", "Succeed", "Fail"):
            for key in _FLOW:
                if key in spec:
                    self.schema(f"Field '{key}' is not supported", where)
            return {}
        if has_next and has_end:
            self.schema("Only one of these fields may be set: [Next, End]", where)
        elif not has_next and not has_end:
            self.schema("Exactly one of these fields is required: [Next, End]", where)
        if has_next and not isinstance(spec["Next"], str):
            self.schema("The value for the field 'Next' must be a STRING", f"{where}/Next")
        if has_end and spec["End"] is not True:
            self.schema("The value for the field 'End' must be true", f"{where}/End")
        return {
            "next": spec["Next"] if has_next and isinstance(spec["Next"], str) else None,
            "end": spec.get("End") is True and not has_next,
        }

    def state_pass(self, spec: Mapping[str, Any], where: str, common: dict[str, Any]) -> State:
        return PassState(
            **common,
            result=spec.get("Result"),
            has_result="Result" in spec,
            parameters=self.template(spec, "Parameters", where),
            result_path=self.result_path(spec, where),
        )

    def state_task(
        self, spec: Mapping[str, Any], where: str, common: dict[str, Any]
    ) -> State | None:
        resource = spec.get("Resource")
        if not isinstance(resource, str):
            self.schema(
                "These fields are required: [Resource]"
                if resource is None
                else "The value for the field 'Resource' must be a STRING",
                where,
            )
        self.exclusive(spec, ("TimeoutSeconds", "TimeoutSecondsPath"), where)
        self.exclusive(spec, ("HeartbeatSeconds", "HeartbeatSecondsPath"), where)
        timeout = self.seconds(spec, "TimeoutSeconds", where)
        heartbeat = self.seconds(spec, "HeartbeatSeconds", where)
        if timeout is not None and heartbeat is not None and heartbeat >= timeout:
            self.schema(
                "The value for the field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
                f"{where}/HeartbeatSeconds",
            )
        if resource == LAMBDA_INVOKE:
            parameters = spec.get("Parameters")
            if not isinstance(parameters, Mapping) or not (
                {"FunctionName", "FunctionName.$"} & set(parameters)
            ):
                self.schema(
                    "The field 'FunctionName' is required in 'Parameters'", f"{where}/Parameters"
                )
        fields = self.execution_fields(spec, where)
        if not isinstance(resource, str):
            return None
        return TaskState(
            **common,
            **fields,
            resource=resource,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            timeout_seconds_path=self.path(spec, "TimeoutSecondsPath", where, reference=True),
            heartbeat_seconds_path=self.path(spec, "HeartbeatSecondsPath", where, reference=True),
        )

    def state_choice(
        self, spec: Mapping[str, Any], where: str, common: dict[str, Any]
    ) -> State | None:
        choices, default = spec.get("Choices"), spec.get("Default")
        if not isinstance(choices, list) or not choices:
            self.schema(
                "These fields are required: [Choices]"
                if choices is None
                else "The value for the field 'Choices' must be a non-empty array",
                where,
            )
            return None
        if default is not None and not isinstance(default, str):
            self.schema("The value for the field 'Default' must be a STRING", f"{where}/Default")
        rules = [
            compile_rule(rule, f"{where}/Choices/{i}", self.problems, top_level=True)
            for i, rule in enumerate(choices)
        ]
        compiled: list[ChoiceRule] = [rule for rule in rules if rule is not None]
        if len(compiled) != len(rules):
            return None
        return ChoiceState(
            **common, choices=tuple(compiled), default=default if isinstance(default, str) else None
        )

    def state_wait(self, spec: Mapping[str, Any], where: str, common: dict[str, Any]) -> State:
        self.exclusive(
            spec, ("Seconds", "Timestamp", "SecondsPath", "TimestampPath"), where, required=True
        )
        timestamp = spec.get("Timestamp")
        if timestamp is not None and parse_timestamp(timestamp) is None:
            self.schema(
                "The value for the field 'Timestamp' must be a valid timestamp",
                f"{where}/Timestamp",
            )
        return WaitState(
            **common,
            seconds=self.seconds(spec, "Seconds", where, allow_zero=True),
            timestamp=timestamp if isinstance(timestamp, str) else None,
            seconds_path=self.path(spec, "SecondsPath", where, reference=True),
            timestamp_path=self.path(spec, "TimestampPath", where, reference=True),
        )

    def state_succeed(self, _spec: Mapping[str, Any], _where: str, common: dict[str, Any]) -> State:
        return SucceedState(**common)

    def state_fail(self, spec: Mapping[str, Any], where: str, common: dict[str, Any]) -> State:
        self.exclusive(spec, ("Error", "ErrorPath"), where)
        self.exclusive(spec, ("Cause", "CausePath"), where)
        for key in ("Error", "Cause"):
            if key in spec and not isinstance(spec[key], str):
                self.schema(f"The value for the field '{key}' must be a STRING", f"{where}/{key}")
        return FailState(
            **common,
            error=str_or_none(spec.get("Error")),
            cause=str_or_none(spec.get("Cause")),
            error_path=self.dynamic_string(spec, "ErrorPath", where),
            cause_path=self.dynamic_string(spec, "CausePath", where),
        )

    def dynamic_string(
        self, spec: Mapping[str, Any], key: str, where: str
    ) -> JsonPath | Intrinsic | None:
        value = spec.get(key)
        if isinstance(value, str) and looks_like_intrinsic(value):
            try:
                return parse_intrinsic(value)
            except IntrinsicSyntaxError as exc:
                self.schema(
                    f"The value for the field '{key}' must be a valid ReferencePath or "
                    f"intrinsic function call ({exc})",
                    f"{where}/{key}",
                )
                return None
        return self.path(spec, key, where, reference=True)

    def state_parallel(
        self, spec: Mapping[str, Any], where: str, common: dict[str, Any]
    ) -> State | None:
        branches_spec = spec.get("Branches")
        fields = self.execution_fields(spec, where)
        if not isinstance(branches_spec, list) or not branches_spec:
            self.schema(
                "These fields are required: [Branches]"
                if branches_spec is None
                else "The value for the field 'Branches' must be a non-empty array",
                where,
            )
            return None
        branches = [
            self.sub_graph(branch, f"{where}/Branches/{i}")
            for i, branch in enumerate(branches_spec)
        ]
        graphs = tuple(graph for graph in branches if graph is not None)
        if len(graphs) != len(branches):
            return None
        return ParallelState(**common, **fields, branches=graphs)

    def sub_graph(self, spec: Any, where: str, extra: tuple[str, ...] = ()) -> Graph | None:
        if not isinstance(spec, Mapping):
            self.schema("The value must be a JSON object", where)
            return None
        for key in spec:
            if key not in ("StartAt", "States", "Comment", *extra):
                self.schema(f"Field '{key}' is not supported", where)
        return self.graph(spec, where)

    def state_map(
        self, spec: Mapping[str, Any], where: str, common: dict[str, Any]
    ) -> State | None:
        self.exclusive(spec, ("ItemProcessor", "Iterator"), where, required=True)
        self.exclusive(spec, ("ItemSelector", "Parameters"), where)
        self.exclusive(spec, ("MaxConcurrency", "MaxConcurrencyPath"), where)
        key = "ItemProcessor" if "ItemProcessor" in spec else "Iterator"
        processor_spec = spec.get(key)
        if isinstance(processor_spec, Mapping):
            config = processor_spec.get("ProcessorConfig", {})
            if not isinstance(config, Mapping) or config.get("Mode", "INLINE") not in (
                "INLINE",
                "DISTRIBUTED",
            ):
                self.schema(
                    "The value for the field 'Mode' must be INLINE or DISTRIBUTED",
                    f"{where}/{key}/ProcessorConfig",
                )
        processor = self.sub_graph(processor_spec, f"{where}/{key}", ("ProcessorConfig",))
        fields = self.execution_fields(spec, where)
        # The legacy Parameters of a Map state select each item's input, as ItemSelector does.
        legacy_parameters = fields.pop("parameters")
        fields["item_selector"] = (
            self.template(spec, "ItemSelector", where)
            if "ItemSelector" in spec
            else legacy_parameters
        )
        concurrency = spec.get("MaxConcurrency", 0)
        if not (is_int(concurrency) and concurrency >= 0):
            self.schema(
                "The value for the field 'MaxConcurrency' must be a non-negative integer",
                f"{where}/MaxConcurrency",
            )
            concurrency = 0
        items_path = self.path(spec, "ItemsPath", where, reference=True, default=ROOT)
        if processor is None:
            return None
        return MapState(
            **common,
            **fields,
            processor=processor,
            items_path=items_path or ROOT,
            max_concurrency=concurrency,
            max_concurrency_path=self.path(spec, "MaxConcurrencyPath", where, reference=True),
        )

    # -- error handling --------------------------------------------------------------------------
