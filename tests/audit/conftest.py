"""Session fixtures of the auditor's tests: real models, built once.

``REGLINT_AUDIT_MODELS=DIR`` reuses models already built into DIR by
``python fixtures/build_models.py DIR``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER_ENV = "REGLINT_LAMBDA_MARKER"


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_models", ROOT / "fixtures" / "build_models.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def lambda_marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file the fixture Lambdas touch when their code runs (set for child processes too)."""
    marker = tmp_path_factory.mktemp("marker") / "lambda-ran"
    old = os.environ.get(MARKER_ENV)
    os.environ[MARKER_ENV] = str(marker)
    yield marker
    if old is None:
        os.environ.pop(MARKER_ENV, None)
    else:
        os.environ[MARKER_ENV] = old


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory, lambda_marker: Path) -> Path:
    prebuilt = os.environ.get("REGLINT_AUDIT_MODELS")
    if prebuilt:
        return Path(prebuilt)
    out = tmp_path_factory.mktemp("models")
    _load_builder().build(out)
    lambda_marker.unlink(missing_ok=True)  # building a tf_keras Lambda runs it
    return out


def tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def all_reports(models: Path, lambda_marker: Path):
    """Every fixture audited once with default options (one tf_keras worker).

    Also records each artifact's digest before and after, and whether any
    Lambda ran.
    """
    from reglint.audit.api import audit_paths
    from reglint.audit.policy import AuditOptions

    paths = sorted(models.iterdir())
    before = {p.name: tree_digest(p) for p in paths}
    lambda_marker.unlink(missing_ok=True)
    reports = audit_paths([str(p) for p in paths], AuditOptions())
    after = {p.name: tree_digest(p) for p in paths}
    return {
        "reports": {Path(r.path).name: r for r in reports},
        "before": before,
        "after": after,
        "lambda_ran": lambda_marker.exists(),
    }
