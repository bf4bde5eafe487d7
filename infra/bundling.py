"""Lambda packaging without Docker: the shared library as a layer, bundled by ``pip --platform``.

``sluiceway:bundling`` (CDK context) chooses how the layer's third-party dependencies get in:

- ``pip`` (default): ``pip install --platform manylinux... --only-binary=:all:`` from the package
  index, for the Lambda architecture and Python version, into ``python/`` of the layer;
- ``wheelhouse``: the same from a local folder of wheels only (``--no-index --find-links DIR``):
  synthesis with no network at all (prepare the folder once with ``pip download``, same flags);
- ``stage``: no pip at all, only the ``sluiceway`` package is copied. Synthesis is instant and
  offline, and the layer is NOT deployable: tests use it.

The asset hash covers the requirements, the target platform and the library's source, so a
synthesis into an existing ``cdk.out`` reuses the bundled layer (CDK skips bundling when
``cdk.out/asset.<hash>`` exists) and pip runs again only when something it depends on changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

if TYPE_CHECKING:
    from infra.config import Config

# litellm (and what it pulls in: openai, tokenizers, tiktoken, aiohttp, ...) is ~350 MB installed
# for Lambda: more than a function's whole 250 MB unzipped allowance. It goes only into the
# container image of the functions that call models (docs/deploy.md, "Packaging").
MODEL_ONLY = frozenset({"litellm"})
# The Lambda Python runtime provides boto3/botocore; the layer does not ship its own copy.
LAYER_LIMIT_BYTES = 230 * 1024 * 1024  # leaves room for function code within Lambda's 250 MB


class BundlingError(RuntimeError):
    pass


def requirement_name(requirement: str) -> str:
    name = requirement.split(";")[0]
    for sep in "<>=!~[ ":
        name = name.split(sep)[0]
    return name.strip().lower().replace("_", "-")


def layer_requirements(pyproject: Path) -> list[str]:
    """The project's runtime dependencies, less those only model functions need."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    deps: list[str] = data["project"]["dependencies"]
    return [d for d in deps if requirement_name(d) not in MODEL_ONLY]


def platform_tags(architecture: str) -> list[str]:
    """manylinux tags the Lambda runtime (Amazon Linux 2023, glibc 2.34) can load."""
    machine = "aarch64" if architecture == "arm64" else "x86_64"
    return [f"manylinux_2_28_{machine}", f"manylinux2014_{machine}"]


def _source_files(package: Path) -> list[Path]:
    return sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _copy_package(package: Path, target: Path) -> None:
    for path in _source_files(package):
        dest = target / package.name / path.relative_to(package)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@jsii.implements(cdk.ILocalBundling)
class LayerBundler:
    """Builds ``python/`` of the core layer on this machine (CDK's ``ILocalBundling``)."""

    def __init__(
        self, package: Path, requirements: list[str], config: Config, pip: list[str] | None = None
    ) -> None:
        self.package = package
        self.requirements = requirements
        self.config = config
        self.pip = pip or [sys.executable, "-m", "pip"]

    def pip_command(self, target: Path) -> list[str]:
        command = [
            *self.pip,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(target),
            "--implementation",
            "cp",
            "--python-version",
            self.config.python_version,
            "--only-binary=:all:",
        ]
        for tag in platform_tags(self.config.architecture):
            command += ["--platform", tag]
        if self.config.bundling == "wheelhouse":
            assert self.config.wheelhouse is not None
            command += ["--no-index", "--find-links", self.config.wheelhouse]
        return [*command, *self.requirements]

    def try_bundle(self, output_dir: str, *options: Any, **more: Any) -> bool:
        """jsii passes the bundling options positionally; none is needed here."""
        target = Path(output_dir) / "python"
        target.mkdir(parents=True, exist_ok=True)
        if self.config.bundling != "stage":
            done = subprocess.run(
                self.pip_command(target), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise BundlingError(
                    f"pip could not bundle the core layer:\n{done.stderr[-4000:]}\n"
                    "Offline? Use -c sluiceway:bundling=wheelhouse -c sluiceway:wheelhouse=DIR "
                    "(or bundling=stage for a synth that is never deployed)."
                )
        _copy_package(self.package, target)
        size = _tree_size(target)
        if size > LAYER_LIMIT_BYTES:
            raise BundlingError(
                f"the core layer is {size / 2**20:.0f} MB unzipped, over the "
                f"{LAYER_LIMIT_BYTES / 2**20:.0f} MB it may use: move a dependency to "
                "the model image (infra/bundling.py MODEL_ONLY)"
            )
        return True


def layer_hash(package: Path, requirements: list[str], config: Config) -> str:
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            {
                "mode": config.bundling,
                "requirements": requirements,
                "platform": platform_tags(config.architecture),
                "python": config.python_version,
            },
            sort_keys=True,
        ).encode()
    )
    for path in _source_files(package):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def core_layer_code(root: Path, config: Config) -> lambda_.Code:
    """The code of the core layer: ``python/sluiceway`` and its dependencies."""
    package = root / "layers" / "core" / "src" / "sluiceway"
    requirements = layer_requirements(root / "pyproject.toml")
    runtime = lambda_runtime(config)
    return lambda_.Code.from_asset(
        str(package.parent),
        asset_hash=layer_hash(package, requirements, config),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        bundling=cdk.BundlingOptions(
            image=runtime.bundling_image,  # never pulled: local bundling always succeeds
            local=LayerBundler(package, requirements, config),
        ),
    )


def lambda_runtime(config: Config) -> lambda_.Runtime:
    return {
        "3.11": lambda_.Runtime.PYTHON_3_11,
        "3.12": lambda_.Runtime.PYTHON_3_12,
        "3.13": lambda_.Runtime.PYTHON_3_13,
        "3.14": lambda_.Runtime.PYTHON_3_14,
    }[config.python_version]


def lambda_architecture(config: Config) -> lambda_.Architecture:
    return (
        lambda_.Architecture.ARM_64
        if config.architecture == "arm64"
        else lambda_.Architecture.X86_64
    )


def docker_platform(config: Config) -> Any:
    from aws_cdk import aws_ecr_assets as ecr_assets

    return (
        ecr_assets.Platform.LINUX_ARM64
        if config.architecture == "arm64"
        else ecr_assets.Platform.LINUX_AMD64
    )


# The Docker build context of infra/Dockerfile: only what the image needs (the rest of the
# checkout, .venv and cdk.out included, is never copied into cdk.out).
DOCKER_CONTEXT_EXCLUDE = [
    "*",
    "!pyproject.toml",
    "!README.md",
    "!infra/Dockerfile",
    "!infra/job",
    "!layers/core/src/sluiceway",
    "!functions",
    "**/__pycache__",
    "**/*.pyc",
]
