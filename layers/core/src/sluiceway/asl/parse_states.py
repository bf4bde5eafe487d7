"""Parsing of each state type into its model dataclass."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from sluiceway.asl import jsonata_eval
from sluiceway.asl.choice import compile_rule, parse_timestamp
from sluiceway.asl.integrations import LAMBDA_INVOKE
from sluiceway.asl.intrinsics import (
    Intrinsic,
    IntrinsicSyntaxError,
    looks_like_intrinsic,
    parse_intrinsic,
)
from sluiceway.asl.jsonata_eval import JSONATA, JSONPATH
from sluiceway.asl.model import (
    ROOT,
    STATE_TYPES,
    Choice,
    ChoiceState,
    FailState,
    Graph,
    ParallelState,
    PassState,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from sluiceway.asl.parse_fields import str_or_none
from sluiceway.asl.parse_map import MapParser
from sluiceway.asl.parse_query import ASSIGNING, JSONATA_ONLY, language_field_problem
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
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentagePath",
        )
    ),
}


class StateParser(MapParser):
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
        language = self.language(spec, where)
        jsonata = language == JSONATA
        reported = self.check_language_fields(kind, spec, where, language)
        allowed = _ALLOWED[kind] | JSONATA_ONLY[kind] | ({"Assign"} if kind in ASSIGNING else set())
        for key in spec:
            if key not in reported and key not in allowed | {"Type", "Comment", "QueryLanguage"}:
                self.schema(f"Field '{key}' is not supported", where)
        common: dict[str, Any] = {
            "name": name,
            "type": kind,
            "query_language": language,
            **self.flow(kind, spec, where),
        }
        if isinstance(spec.get("Comment"), str):
            common["comment"] = spec["Comment"]
        if jsonata:
            common["output"] = self.jsonata(spec, "Output", where)
        elif kind != "Fail":
            common["input_path"] = self.path(spec, "InputPath", where, nullable=True, default=ROOT)
            common["output_path"] = self.path(
                spec, "OutputPath", where, nullable=True, default=ROOT
            )
        if kind in ASSIGNING:
            common["assign"] = self.assign(spec, where, language)
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
            self.schema("There should only be one of the following fields: [Next, End]", where)
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
        if common["query_language"] == JSONATA:
            return PassState(**common)
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
        jsonata = common["query_language"] == JSONATA
        self.exclusive(spec, ("TimeoutSeconds", "TimeoutSecondsPath"), where)
        self.exclusive(spec, ("HeartbeatSeconds", "HeartbeatSecondsPath"), where)
        timeout_value, timeout_expr = self.number_or_expression(
            spec, "TimeoutSeconds", where, minimum=1
        )
        heartbeat_value, heartbeat_expr = self.number_or_expression(
            spec, "HeartbeatSeconds", where, minimum=1
        )
        timeout = None if timeout_value is None else float(timeout_value)
        heartbeat = None if heartbeat_value is None else float(heartbeat_value)
        if timeout is not None and heartbeat is not None and heartbeat >= timeout:
            self.schema(
                "The value for the field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
                f"{where}/HeartbeatSeconds",
            )
        field = "Arguments" if jsonata else "Parameters"
        if resource == LAMBDA_INVOKE and field in spec:
            # Without the field the state input is the request (AWS TestState recording).
            parameters = spec[field]
            if jsonata_eval.is_expression(parameters):
                parameters = {"FunctionName": None}
            if not isinstance(parameters, Mapping) or not (
                {"FunctionName", "FunctionName.$"} & set(parameters)
            ):
                self.schema(
                    f"The field 'FunctionName' is required in '{field}'", f"{where}/{field}"
                )
        fields = self.execution_fields(spec, where, jsonata)
        if not isinstance(resource, str):
            return None
        return TaskState(
            **common,
            **fields,
            arguments=self.jsonata(spec, "Arguments", where),
            resource=resource,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            timeout_seconds_expr=timeout_expr,
            heartbeat_seconds_expr=heartbeat_expr,
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
            self.choice(rule, f"{where}/Choices[{i}]", common) for i, rule in enumerate(choices)
        ]
        compiled: list[Choice] = [rule for rule in rules if rule is not None]
        if len(compiled) != len(rules):
            return None
        return ChoiceState(
            **common, choices=tuple(compiled), default=default if isinstance(default, str) else None
        )

    def choice(self, rule: Any, where: str, common: dict[str, Any]) -> Choice | None:
        language = common["query_language"]
        if not isinstance(rule, Mapping):
            self.schema("A Choice Rule must be a JSON object", where)
            return None
        extras = {"Assign", "Output"} if language == JSONATA else {"Assign"}
        assign = self.assign(rule, where, language)
        output = self.jsonata(rule, "Output", where) if language == JSONATA else None
        if language == JSONPATH:
            if "Output" in rule or "Condition" in rule:
                key = "Output" if "Output" in rule else "Condition"
                self.schema(language_field_problem(key, JSONPATH), where)
            plain = {key: value for key, value in rule.items() if key not in extras}
            compiled = compile_rule(plain, where, self.problems, top_level=True)
            if compiled is None or compiled.next is None:
                return None
            return Choice(next=compiled.next, rule=compiled, assign=assign)
        for key in rule:
            if key not in ("Condition", "Next", "Comment", *extras):
                self.schema(f"Field '{key}' is not supported", where)
        next_state, condition = rule.get("Next"), rule.get("Condition")
        if not isinstance(next_state, str):
            self.schema("These fields are required: [Next]", where)
            return None
        if not isinstance(condition, bool) and not jsonata_eval.is_expression(condition):
            self.schema(
                "The value for the field 'Condition' must be a JSONata expression or a BOOLEAN",
                f"{where}/Condition",
            )
            return None
        return Choice(
            next=next_state,
            condition=self.jsonata(rule, "Condition", where),
            assign=assign,
            output=output,
        )

    def state_wait(self, spec: Mapping[str, Any], where: str, common: dict[str, Any]) -> State:
        self.exclusive(
            spec, ("Seconds", "Timestamp", "SecondsPath", "TimestampPath"), where, required=True
        )
        timestamp = spec.get("Timestamp")
        if jsonata_eval.is_expression(timestamp) or jsonata_eval.is_expression(spec.get("Seconds")):
            return WaitState(
                **common,
                seconds_expr=self.jsonata(spec, "Seconds", where),
                timestamp_expr=self.jsonata(spec, "Timestamp", where),
                timestamp=None,
            )
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
        if common["query_language"] == JSONATA:
            expressions = {
                key: self.jsonata(spec, key, where)
                if jsonata_eval.is_expression(spec.get(key))
                else None
                for key in ("Error", "Cause")
            }
            return FailState(
                **common,
                error=None if expressions["Error"] else str_or_none(spec.get("Error")),
                cause=None if expressions["Cause"] else str_or_none(spec.get("Cause")),
                error_expr=expressions["Error"],
                cause_expr=expressions["Cause"],
            )
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
        jsonata = common["query_language"] == JSONATA
        fields = self.execution_fields(spec, where, jsonata)
        if not isinstance(branches_spec, list) or not branches_spec:
            self.schema(
                "These fields are required: [Branches]"
                if branches_spec is None
                else "The value for the field 'Branches' must be a non-empty array",
                where,
            )
            return None
        branches = [
            self.sub_graph(branch, f"{where}/Branches[{i}]")
            for i, branch in enumerate(branches_spec)
        ]
        graphs = tuple(graph for graph in branches if graph is not None)
        if len(graphs) != len(branches):
            return None
        arguments = self.jsonata(spec, "Arguments", where)
        return ParallelState(**common, **fields, branches=graphs, arguments=arguments)

    def sub_graph(
        self, spec: Any, where: str, extra: tuple[str, ...] = (), *, isolated: bool = False
    ) -> Graph | None:
        if not isinstance(spec, Mapping):
            self.schema("The value must be a JSON object", where)
            return None
        for key in spec:
            if key not in ("StartAt", "States", "Comment", *extra):
                self.schema(f"Field '{key}' is not supported", where)
        outer = self.new_scope(isolated=isolated)
        try:
            return self.graph(spec, where)
        finally:
            self.scope_chain = outer

    # -- error handling --------------------------------------------------------------------------
