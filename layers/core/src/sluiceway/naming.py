"""The one naming rule that links everything.

``functions/extract_fields/`` <=> ASL state ``ExtractFields`` <=> placeholder
``${ExtractFieldsFunctionArn}`` <=> CDK id ``ExtractFieldsFunction``. CDK and the embedded runtime
both discover functions with these helpers; a test checks the mapping is total both ways.
"""

from __future__ import annotations

import re

_FOLDER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_STATE = re.compile(r"^([A-Z][a-z0-9]*)+$")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)FunctionArn\}")


def state_name(folder: str) -> str:
    """``extract_fields`` -> ``ExtractFields``."""
    if not _FOLDER.match(folder):
        raise ValueError(f"not a function folder name (snake_case expected): {folder!r}")
    return "".join(part.capitalize() for part in folder.split("_"))


def folder_name(state: str) -> str:
    """``ExtractFields`` -> ``extract_fields``."""
    if not _STATE.match(state):
        raise ValueError(f"not a state name (PascalCase expected): {state!r}")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", state).lower()


def placeholder(folder: str) -> str:
    """``extract_fields`` -> ``ExtractFieldsFunctionArn`` (the key inside ``${...}``)."""
    return f"{state_name(folder)}FunctionArn"


def cdk_id(folder: str) -> str:
    """``extract_fields`` -> ``ExtractFieldsFunction``."""
    return f"{state_name(folder)}Function"


def placeholders_in(definition_text: str) -> set[str]:
    """Function folders referenced by ``${XFunctionArn}`` placeholders in an ASL text."""
    return {folder_name(m) for m in _PLACEHOLDER.findall(definition_text)}


def local_function_arn(folder: str, region: str = "local", account: str = "000000000000") -> str:
    """The ARN the embedded runtime substitutes for a function's placeholder."""
    return f"arn:aws:lambda:{region}:{account}:function:{folder}"


def substitute_function_arns(definition_text: str, arns: dict[str, str]) -> str:
    """Replace each ``${XFunctionArn}`` with ``arns[folder]``; unknown placeholders are an error."""

    def replace(match: re.Match[str]) -> str:
        folder = folder_name(match[1])
        if folder not in arns:
            raise KeyError(f"no function folder functions/{folder}/ for ${{{match[1]}FunctionArn}}")
        return arns[folder]

    return _PLACEHOLDER.sub(replace, definition_text)
