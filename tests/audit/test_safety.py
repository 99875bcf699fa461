"""Loading never runs Lambda code without --unsafe, and never writes the artifact."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.tensorflow

LAMBDAS = ("lambda.keras", "lambda_k3.h5", "tfk_lambda.h5", "tfk_lambda_sm")


@pytest.mark.parametrize("name", LAMBDAS)
def test_lambda_refused_before_loading(all_reports, name):
    r = all_reports["reports"][name]
    assert r.error and r.error.startswith("refused to load") and "Lambda layer 'marker'" in r.error
    assert not all_reports["lambda_ran"]


def test_no_lambda_ran_during_the_whole_audit(all_reports):
    assert not all_reports["lambda_ran"]


def test_audited_files_are_byte_identical(all_reports):
    assert all_reports["before"] == all_reports["after"]


def test_config_only_does_not_run_lambda(models, lambda_marker):
    from reglint.audit.api import audit_paths
    from reglint.audit.policy import AuditOptions

    lambda_marker.unlink(missing_ok=True)
    reports = audit_paths([str(models / n) for n in LAMBDAS], AuditOptions(config_only=True))
    assert all(r.error is None for r in reports)
    assert not lambda_marker.exists()


def test_unsafe_does_run_it_positive_control(models, lambda_marker):
    """Proves the marker mechanism works: with --unsafe the code does run."""
    from reglint.audit.api import audit_paths
    from reglint.audit.policy import AuditOptions

    for group in (["lambda.keras", "lambda_k3.h5"], ["tfk_lambda.h5", "tfk_lambda_sm"]):
        lambda_marker.unlink(missing_ok=True)
        reports = audit_paths(
            [str(models / n) for n in group], AuditOptions(unsafe=True, train=False)
        )
        assert all(r.error is None for r in reports), [r.error for r in reports]
        assert lambda_marker.exists(), group
    lambda_marker.unlink(missing_ok=True)
