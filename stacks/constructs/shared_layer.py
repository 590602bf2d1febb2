"""The Lambda layer every function imports: the ``cloakr`` package and its third-party wheels for arm64.

Built by local bundling (pip with ``--platform``), never Docker: no Docker engine is assumed anywhere. The pip
download happens once per change of the requirements or the package source (the asset hash covers both).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

LAYERS_DIR = Path(__file__).resolve().parents[2] / "layers"
PYTHON_VERSION = "3.13"
# Lambda's python3.13 runtime is Amazon Linux 2023 (glibc 2.34): manylinux 2.17 and 2.28 wheels both run there,
# and some dependencies (google-re2) publish arm64 wheels only for 2.28.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Installs ``layers/requirements.txt`` for the Lambda platform and copies the ``cloakr`` package beside it."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                *(arg for platform in PLATFORMS for arg in ("--platform", platform)), "--only-binary=:all:", "--implementation", "cp",
                "--python-version", PYTHON_VERSION, "--target", str(target),
                "-r", str(LAYERS_DIR / "requirements.txt"),
            ],
            check=True,
        )
        shutil.copytree(
            LAYERS_DIR / "cloakr", target / "cloakr", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        return True


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="cloakr package and its dependencies (python3.13, arm64)",
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            code=lambda_.Code.from_asset(
                str(LAYERS_DIR),
                asset_hash_type=AssetHashType.SOURCE,
                exclude=["**/__pycache__", "*.egg-info", "**/*.pyc"],
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or fails the synth.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
                    local=PipLocalBundling(),
                ),
            ),
        )
