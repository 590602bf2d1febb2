"""The Lambda layer every function imports: the ``cloakr`` package and its third-party wheels for arm64.

Built by local bundling (pip with ``--platform``), never Docker: no Docker engine is assumed anywhere. The pip
download happens once per change of the requirements, the package source or the pip command (the asset hash
covers all three); otherwise CDK reuses the bundle already in ``cdk.out``. The bundle carries bytecode for Lambda's
runtime, compiled with a Python 3.13 interpreter, which saves compiling every module at each cold start; without
such an interpreter the build stops and says how to get one (``bytecode_python``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

LAYERS_DIR = Path(__file__).resolve().parents[2] / "layers"
PYTHON_VERSION = "3.13"
# A Python 3.13 interpreter to compile the layer's bytecode with, when python3.13 is not on PATH.
ENV_LAYER_PYTHON = "CLOAKR_LAYER_PYTHON"
# Set to "1" to build the layer without bytecode when no such interpreter exists (slow cold starts, on purpose).
ENV_LAYER_WITHOUT_BYTECODE = "CLOAKR_LAYER_WITHOUT_BYTECODE"
# Lambda's python3.13 runtime is Amazon Linux 2023 (glibc 2.34): manylinux 2.17 and 2.28 wheels both run there,
# and some dependencies (google-re2) publish arm64 wheels only for 2.28.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Installs ``layers/requirements.txt`` for the Lambda platform and copies the ``cloakr`` package beside it."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        # pip's chatter (index warnings) is shown only when the install fails, so a good synth stays quiet.
        result = subprocess.run(pip_command(target), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"Building the Lambda layer failed:\n{result.stdout}{result.stderr}")
        shutil.copytree(
            LAYERS_DIR / "cloakr", target / "cloakr", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        python = runtime_python()  # (``SharedLayer`` has refused to go on without one unless told to)
        if python is not None:
            compile_bytecode(python, target)
        return True


def bytecode_python() -> str | None:
    """The interpreter to compile the layer's bytecode with. Without one the build stops: a layer without bytecode
    compiles every module at each cold start (0.55 to 0.7 s of init, against a 300 ms target, docs/benchmarks.md),
    and nobody should find that out from Lambda's metrics. ``CLOAKR_LAYER_WITHOUT_BYTECODE=1`` builds such a layer
    anyway (None), with a warning."""
    python = runtime_python()
    if python is not None:
        return python
    missing = f"no Python {PYTHON_VERSION} interpreter found to compile the Lambda layer's bytecode with"
    if os.environ.get(ENV_LAYER_WITHOUT_BYTECODE) == "1":
        print(f"warning: {missing}: the layer ships without bytecode and Lambda compiles every module at each cold "
              "start (about 0.6 s)", file=sys.stderr)
        return None
    raise RuntimeError(
        f"{missing}. Without bytecode every cold start compiles every module (about 0.6 s of init instead of 0.2 s). "
        f"Install Python {PYTHON_VERSION} (pyenv, uv python install {PYTHON_VERSION}, or your package manager) and "
        f"put python{PYTHON_VERSION} on PATH or set {ENV_LAYER_PYTHON} to it; or set {ENV_LAYER_WITHOUT_BYTECODE}=1 "
        "to deploy the slower layer anyway."
    )


def runtime_python() -> str | None:
    """An interpreter of the Lambda runtime's Python version, to compile the layer's bytecode with: bytecode is
    version-specific, and /opt is read-only in Lambda, so modules without it are compiled again at every cold
    start (0.6 to 1 s, docs/benchmarks.md). ``CLOAKR_LAYER_PYTHON``, else ``python3.13`` on PATH, else one that
    pyenv installed but does not put on PATH (its shim answers only for the selected versions)."""
    if os.environ.get(ENV_LAYER_PYTHON):
        candidates = [os.environ[ENV_LAYER_PYTHON]]
    else:
        pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
        candidates = [shutil.which(f"python{PYTHON_VERSION}") or "",
                      *map(str, sorted(pyenv.glob(f"{PYTHON_VERSION}.*/bin/python{PYTHON_VERSION}"), reverse=True))]
    return next((candidate for candidate in filter(None, candidates) if _runs_runtime_version(candidate)), None)


@functools.cache
def _runs_runtime_version(python: str) -> bool:
    """Whether this interpreter is the runtime's version. Asked once per path and process: every stack's layer
    asks for its asset hash and again for its bytecode, each probe a new interpreter."""
    probe = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.strip() == PYTHON_VERSION


def compile_bytecode(python: str, target: Path) -> None:
    """``__pycache__`` for every module, valid whatever the files' timestamps (the asset zip does not keep them):
    unchecked-hash pyc files are used as they are."""
    result = subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                             str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Compiling the Lambda layer's bytecode failed:\n{result.stdout}{result.stderr}")


def pip_command(target: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
        *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
        "--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON_VERSION,
        # No bytecode from this interpreter: it would be for the build machine's Python, useless in Lambda.
        "--no-compile", "--target", str(target), "-r", str(LAYERS_DIR / "requirements.txt"),
    ]


def layer_hash() -> str:
    """Fingerprint of what the bundle is made from: requirements, package source, the pip arguments and whether
    bytecode can be compiled for the runtime (a bundle built without it is rebuilt once it can be)."""
    digest = hashlib.sha256(" ".join(pip_command(Path("python"))[1:]).encode())
    digest.update(b"bytecode" if runtime_python() else b"no-bytecode")
    sources = [LAYERS_DIR / "requirements.txt", *sorted((LAYERS_DIR / "cloakr").rglob("*"))]
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(LAYERS_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        if Stack.of(self).bundling_required:
            # Checked here, not only when bundling: CDK reuses a bundle already in cdk.out without calling it.
            bytecode_python()
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="cloakr package and its dependencies (python3.13, arm64)",
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            code=lambda_.Code.from_asset(
                str(LAYERS_DIR),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=layer_hash(),
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or fails the synth.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
                    local=PipLocalBundling(),
                ),
            ),
        )
