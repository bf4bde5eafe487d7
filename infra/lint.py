"""cfn-lint over every synthesized template: ``python -m infra.lint [cdk.out]``.

Ignored checks, each with its reason:
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

IGNORED_CHECKS = {
    "W3005": (
        "'dependency already enforced': CDK emits DependsOn for construct dependencies "
        "(node.add_dependency, a role before its function) even where a Ref/GetAtt already "
        "orders the resources. Redundant, not wrong, and not ours to remove."
    ),
    "W3010": (
        "'avoid hardcoding availability zones': an environment-specific synthesis (cdk deploy "
        "with an account and Region) names the Availability Zones CDK looked up for that "
        "account (cdk.context.json), by design; environment-agnostic templates use Fn::GetAZs."
    ),
}


def lint(outdir: Path) -> list[str]:
    """Every finding of cfn-lint on the templates under ``outdir``, one line each."""
    # cfn-lint ships no type information: its API is used untyped.
    api: Any = importlib.import_module("cfnlint.api")
    found = []
    config = api.ManualArgs(ignore_checks=sorted(IGNORED_CHECKS))
    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise FileNotFoundError(f"no *.template.json under {outdir}")
    for template in templates:
        for match in api.lint_file(template, config=config):
            found.append(f"{template.name}:{match.linenumber}: {match.rule.id} {match.message}")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0] if args else "cdk.out")
    found = lint(outdir)
    for line in found:
        sys.stdout.write(line + "\n")
    sys.stdout.write(f"cfn-lint: {len(found)} finding(s) in {outdir}\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
