"""ASL error names and the exceptions of the interpreter.

Error names and matching rules follow the Step Functions developer guide ("Handling errors in
Step Functions workflows"):

* ``States.ALL`` matches every error name except the terminal ``States.Runtime``, which no
  retrier or catcher can handle. JSONata evaluation failures (``States.QueryEvaluationError``)
  are treated the same way: AWS reports them with the States.Runtime prefix ("An error occurred
  while executing the state ...").
* ``States.DataLimitExceeded`` is terminal when a state's output or the variables it assigns are
  too large; a task *result* that is too large is an ordinary task failure, which Retry and Catch
  (``States.ALL`` included) handle, as recorded on AWS.
* ``States.TaskFailed`` matches any error except ``States.Timeout`` (and the two terminal ones).
"""

from __future__ import annotations

from collections.abc import Sequence

ALL = "States.ALL"
BRANCH_FAILED = "States.BranchFailed"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
PERMISSIONS = "States.Permissions"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
RUNTIME = "States.Runtime"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"

#: Errors that end the execution whatever the state's Retry and Catch say.
TERMINAL_ERRORS = frozenset({RUNTIME, QUERY_EVALUATION_ERROR})


class StatesError(Exception):
    """A failure with an ASL error name, as a state reports it (``{"Error", "Cause"}``)."""

    def __init__(self, error: str, cause: str | None = None, *, terminal: bool = False) -> None:
        super().__init__(error if cause is None else f"{error}: {cause}")
        self.error = error
        self.cause = cause
        #: No retrier or catcher handles it (always so for the TERMINAL_ERRORS names).
        self.terminal = terminal or error in TERMINAL_ERRORS

    def error_output(self) -> dict[str, str]:
        """The error output a catcher passes on: ``{"Error": ..., "Cause": ...}``."""
        output = {"Error": self.error}
        if self.cause is not None:
            output["Cause"] = self.cause
        return output

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"


class AslValidationError(ValueError):
    """A state machine definition that Step Functions would reject.

    ``problems`` holds one diagnostic per line, worded like AWS's CreateStateMachine and
    ValidateStateMachineDefinition diagnostics.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid State Machine Definition: '" + ", ".join(self.problems) + "'")


def error_matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether a retrier's or catcher's ``ErrorEquals`` handles ``error``."""
    if error in TERMINAL_ERRORS:
        return False
    for name in error_equals:
        if name in (ALL, error):
            return True
        if name == TASK_FAILED and error not in (TIMEOUT, HEARTBEAT_TIMEOUT):
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False
