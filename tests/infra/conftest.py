"""Tests of the AWS deployment (``infra/``): CDK synthesis, cdk-nag, cfn-lint, the deployment's
own handlers. The whole folder is skipped when the ``infra`` extra (aws-cdk-lib, cdk-nag,
cfn-lint) is not installed: ``pip install -e '.[infra]'``.

Synthesis is offline: ``sluiceway:bundling=stage`` copies the library into the layer without pip
(no PyPI), and nothing needs Docker or AWS credentials.
"""

import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
pytest.importorskip("aws_cdk")
pytest.importorskip("cdk_nag")
pytest.importorskip("cfnlint")
