"""Context parsing, project discovery and layer bundling: no synthesis, no network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.support import ROOT, module

pytestmark = pytest.mark.infra


class Context:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def try_get_context(self, key: str) -> Any:
        return self.values.get(key)


def load(values: dict[str, Any]) -> Any:
    return module("infra.config").load_config(Context(values))


def test_defaults_match_the_cost_model_and_the_offline_models() -> None:
    config = load({})
    assert config.prefix == "sluiceway"
    assert config.architecture == "arm64"  # docs/scaling.md prices arm64 Lambda
    assert config.models["small"] == "sluiceway-local/small"
    assert config.model_functions == ("classify", "extract_fields")
    assert config.long_steps.mode == "create"
    assert config.name("ingest", "dlq") == "sluiceway-ingest-dlq"


def test_command_line_values_are_strings_and_json_is_parsed() -> None:
    config = load(
        {
            "sluiceway:natGateways": "0",
            "sluiceway:aurora": '{"minAcu": 1, "maxAcu": 64, "readers": 0}',
            "sluiceway:api": '{"apiKeys": ["acme", "globex"], "throttleRate": 500}',
            "sluiceway:maxConcurrency": '{"ExtractFields": 20}',
            "sluiceway:modelProfile": "bedrock",
        }
    )
    assert config.nat_gateways == 0
    assert (config.aurora.min_acu, config.aurora.max_acu, config.aurora.readers) == (1, 64, 0)
    assert config.api.api_keys == ("acme", "globex")
    assert config.api.throttle_rate == 500
    assert config.max_concurrency == {"ExtractFields": 20}
    assert config.uses_bedrock and config.models["large"].startswith("bedrock/")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sluiceway:prefix": "Not Valid"}, "prefix"),
        ({"sluiceway:bundling": "docker"}, "bundling"),
        ({"sluiceway:bundling": "wheelhouse"}, "wheelhouse=DIR"),
        ({"sluiceway:modelProfile": "custom"}, "small, large and fallback"),
        ({"sluiceway:modelProfile": "openai"}, "modelProfile"),
        ({"sluiceway:longSteps": '{"mode": "import"}'}, "clusterName"),
        ({"sluiceway:aurora": '{"minAcu": 8, "maxAcu": 4}'}, "minAcu"),
        ({"sluiceway:api": '{"nope": 1}'}, "nope"),
        ({"sluiceway:maxConcurrency": "{broken"}, "JSON"),
    ],
)
def test_invalid_context_is_refused_with_the_key_named(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(module("infra.config").ConfigError, match=message):
        load(values)


def test_the_project_is_discovered_with_overrides() -> None:
    project = module("infra.project").load_project(
        ROOT, sizes={"extract": {"memory_mb": 2048}}, max_concurrency={"Classify": 2, "embed": 6}
    )
    assert project.function("extract").memory_mb == 2048
    assert project.max_concurrency["classify"] == 2
    assert project.max_concurrency["embed"] == 6
    assert {p.name for p in project.pipelines} >= {"document"}
    assert "ingest" in project.queues


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": {"nope": {"memory_mb": 1}}}, "does not exist: nope"),
        ({"sizes": {"extract": {"cpus": 2}}}, "unknown size settings"),
        ({"max_concurrency": {"Nope": 2}}, "does not exist: Nope"),
    ],
)
def test_overrides_for_unknown_functions_are_refused(kwargs: dict[str, Any], message: str) -> None:
    project = module("infra.project")
    with pytest.raises(project.ProjectError, match=message):
        project.load_project(ROOT, **kwargs)


def test_the_layer_takes_every_dependency_but_litellm() -> None:
    bundling = module("infra.bundling")
    requirements = bundling.layer_requirements(ROOT / "pyproject.toml")
    names = {bundling.requirement_name(r) for r in requirements}
    assert "litellm" not in names
    assert {"pydantic", "psycopg", "pgvector"} <= names


def test_pip_targets_the_lambda_platform_and_python() -> None:
    bundling = module("infra.bundling")
    config = load({"sluiceway:architecture": "x86_64", "sluiceway:pythonVersion": "3.12"})
    bundler = bundling.LayerBundler(Path("pkg"), ["pydantic>=2"], config, pip=["pip"])
    command = bundler.pip_command(Path("/out/python"))
    assert command[:2] == ["pip", "install"]
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == "3.12"
    platforms = [command[i + 1] for i, a in enumerate(command) if a == "--platform"]
    assert platforms == ["manylinux_2_28_x86_64", "manylinux2014_x86_64"]
    assert command[-1] == "pydantic>=2"


def test_stage_bundling_copies_the_library_without_pip(tmp_path: Path) -> None:
    bundling = module("infra.bundling")
    package = ROOT / "layers/core/src/sluiceway"
    bundler = bundling.LayerBundler(package, ["pydantic"], load({"sluiceway:bundling": "stage"}))
    assert bundler.try_bundle(str(tmp_path), None) is True
    staged = tmp_path / "python/sluiceway"
    assert (staged / "naming.py").is_file()
    assert list((staged / "adapters/postgres/sql/migrations").glob("*.sql"))
    assert not list(staged.rglob("__pycache__"))


def test_wheelhouse_bundling_never_reaches_the_index(tmp_path: Path) -> None:
    bundling = module("infra.bundling")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    config = load({"sluiceway:bundling": "wheelhouse", "sluiceway:wheelhouse": str(wheels)})
    bundler = bundling.LayerBundler(
        ROOT / "layers/core/src/sluiceway",
        ["pydantic>=2"],
        config,
        pip=[sys.executable, "-m", "pip"],
    )
    assert "--no-index" in bundler.pip_command(tmp_path)
    with pytest.raises(bundling.BundlingError, match="wheelhouse"):
        bundler.try_bundle(str(tmp_path / "out"), None)


def test_the_layer_hash_follows_the_source_and_the_target(tmp_path: Path) -> None:
    bundling = module("infra.bundling")
    package = tmp_path / "sluiceway"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    base = load({})
    first = bundling.layer_hash(package, ["pydantic"], base)
    assert first == bundling.layer_hash(package, ["pydantic"], base)
    assert first != bundling.layer_hash(package, ["pydantic<3"], base)
    assert first != bundling.layer_hash(
        package, ["pydantic"], load({"sluiceway:architecture": "x86_64"})
    )
    (package / "a.py").write_text("x = 2\n")
    assert first != bundling.layer_hash(package, ["pydantic"], base)


@pytest.mark.parametrize(
    ("uri", "parts"),
    [
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/sluiceway:1.2", ("sluiceway", "1.2")),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/job", ("team/job", "latest")),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/job@sha256:abc", ("job", "sha256:abc")),
    ],
)
def test_prebuilt_image_uris_are_split_into_repository_and_tag(
    uri: str, parts: tuple[str, str]
) -> None:
    assert module("infra.stacks.lambdas").image_uri_parts(uri) == parts


def test_cdk_json_context_loads_and_names_only_known_sluiceway_keys() -> None:
    context = json.loads((ROOT / "infra/cdk.json").read_text(encoding="utf-8"))["context"]
    config = load(context)
    assert config.bundling == "pip"
    known = {
        "prefix",
        "architecture",
        "pythonVersion",
        "bundling",
        "wheelhouse",
        "removalPolicy",
        "natGateways",
        "maxAzs",
        "logRetentionDays",
        "aurora",
        "api",
        "longSteps",
        "alarms",
        "functions",
        "maxConcurrency",
        "modelProfile",
        "models",
        "modelFunctions",
        "modelImage",
    }
    ours = {k.removeprefix("sluiceway:") for k in context if k.startswith("sluiceway:")}
    assert ours <= known


_BLOCK_LITELLM = """
import importlib.util, json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "litellm" or name.startswith("litellm."):
            raise ImportError("litellm is not in the core layer")
sys.meta_path.insert(0, Block())
failed = {}
for name in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location(f"h_{name}", f"functions/{name}/handler.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        failed[name] = str(exc)
print(json.dumps(failed))
"""


def test_zip_functions_import_without_litellm() -> None:
    """The core layer has no litellm: every function outside modelFunctions must load without it
    (models are imported lazily, through Deps.models)."""
    config = load({})
    project = module("infra.project").load_project(ROOT)
    names = [fn.name for fn in project.functions if fn.name not in config.model_functions]
    done = subprocess.run(
        [sys.executable, "-c", _BLOCK_LITELLM, json.dumps(names)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    assert json.loads(done.stdout) == {}
