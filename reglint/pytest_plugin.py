"""pytest plugin: ``pytest --reglint-audit PATH...`` and the ``reglint_audit`` fixture.

Loaded in every pytest run of anyone who installs reglint (``pytest11`` entry
point), so it imports no TensorFlow unless ``--reglint-audit`` is given or the
fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reglint", "reglint: audit saved Keras models")
    group.addoption(
        "--reglint-audit",
        action="extend",
        nargs="+",
        default=[],
        metavar="PATH",
        dest="reglint_audit",
        help="audit each saved model (a directory is searched) as a test item",
    )
    group.addoption(
        "--reglint-allow",
        action="append",
        default=[],
        metavar="LAYER_GLOB",
        dest="reglint_allow",
        help="exempt matching layers from the audit",
    )
    group.addoption(
        "--reglint-no-train",
        action="store_true",
        default=False,
        dest="reglint_no_train",
        help="skip the verification training step",
    )
    group.addoption(
        "--reglint-config-only",
        action="store_true",
        default=False,
        dest="reglint_config_only",
        help="audit the stored config only (no TF)",
    )
    group.addoption(
        "--reglint-allow-incomplete",
        action="store_true",
        default=False,
        dest="reglint_allow_incomplete",
        help="do not fail a model with layers whose weights the audit cannot see",
    )


def _options(config: pytest.Config) -> Any:
    from reglint.audit.policy import load_audit_options

    return load_audit_options(config.rootpath).with_overrides(
        allow=(*load_audit_options(config.rootpath).allow, *config.option.reglint_allow) or None,
        train=False if config.option.reglint_no_train else None,
        config_only=config.option.reglint_config_only or None,
        allow_incomplete=config.option.reglint_allow_incomplete or None,
    )


class _AuditCache:
    """Audits every collected model in one batch (one tf_keras worker at most)."""

    def __init__(self, config: pytest.Config, paths: list[str]) -> None:
        self.config = config
        self.paths = paths
        self.reports: dict[str, Any] | None = None

    def get(self, path: str) -> Any:
        if self.reports is None:
            from reglint.audit.api import audit_paths

            reports = audit_paths(self.paths, _options(self.config))
            self.reports = dict(zip(self.paths, reports, strict=True))
        return self.reports[path]


class ReglintAuditFailure(Exception):
    pass


class ReglintAuditItem(pytest.Item):
    def __init__(self, *, model_path: str, cache: _AuditCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # No fixtures; but some plugins' hooks (pytest-lsp 1.0) expect every item to have these.
        self.funcargs: dict[str, Any] = {}
        self.model_path = model_path
        self.cache = cache
        self.add_marker("reglint_audit")

    def runtest(self) -> None:
        report = self.cache.get(self.model_path)
        if not report.passed:
            raise ReglintAuditFailure(report.summary())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ReglintAuditFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"reglint audit: {self.model_path}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reglint_audit: a saved model audited by reglint")


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    roots = config.option.reglint_audit
    if not roots:
        return
    from reglint.audit.discovery import expand_paths

    paths = expand_paths(roots, _options(config).exclude)
    cache = _AuditCache(config, paths)
    for p in paths:
        items.append(
            ReglintAuditItem.from_parent(
                session,
                name="reglint-audit",
                nodeid=f"{p}::reglint-audit",
                model_path=p,
                cache=cache,
                path=Path(p).absolute(),
            )
        )


@pytest.fixture
def reglint_audit(pytestconfig: pytest.Config) -> Callable[..., Any]:
    """``reglint_audit(model_or_path, check=True, **options) -> AuditReport``.

    With ``check`` (the default) a model that does not pass fails the test with
    the report's summary.
    """

    def audit(target: Any, *, check: bool = True, **kwargs: Any) -> Any:
        from reglint.audit.api import audit_model, audit_path

        options = _options(pytestconfig)
        if isinstance(target, (str, Path)):
            report = audit_path(target, options=options, **kwargs)
        else:
            report = audit_model(target, options=options, **kwargs)
        if check and not report.passed:
            pytest.fail(report.summary(), pytrace=False)
        return report

    return audit
