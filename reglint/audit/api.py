"""The Python API: ``audit_model`` (in-memory) and ``audit_path`` (saved artifacts)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..policy import Policy
from .checks import check_weights
from .config_audit import records_from_config
from .discovery import refusal
from .opaque import opaque_layers, opaque_live_layers
from .policy import AuditOptions
from .report import AuditReport, Verification, WeightRecord
from .safety import refusal_message, unsafe_reasons
from .stored_config import KERAS2, KERAS3, ArtifactError, StoredModel, read_stored_model

_KERNEL_SUFFIXES = ("kernel", "embeddings", "depthwise_kernel", "pointwise_kernel")


def _options(options: AuditOptions | None, overrides: dict[str, Any]) -> AuditOptions:
    base = options or AuditOptions()
    if "allow" in overrides and overrides["allow"] is not None:
        overrides["allow"] = tuple(overrides["allow"])
    if overrides.get("policy") is not None and not isinstance(overrides["policy"], Policy):
        raise TypeError(
            f"policy must be a reglint.Policy, not {type(overrides['policy']).__name__}"
        )
    return base.with_overrides(**overrides)


def audit_model(
    model: Any,
    *,
    allow: Iterable[str] | None = None,
    require_recurrent: bool | None = None,
    require_bias: bool | None = None,
    train: bool | None = None,
    steps: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    options: AuditOptions | None = None,
    policy: Policy | None = None,
) -> AuditReport:
    """Audit an in-memory Keras 3 or tf_keras model; it is left exactly as it was.

    The verification step trains a copy (``clone_model`` or, for subclassed
    models, a temporary ``.keras`` round trip); the model's weights, optimizer
    and compile state are never touched. ``policy`` replaces the options'
    ``[tool.reglint.policy]`` (``allow`` still adds to its ``exempt-layers``).
    """
    from .loading import flavor_of, keras_module

    opts = _options(
        options,
        dict(
            allow=allow,
            require_recurrent=require_recurrent,
            require_bias=require_bias,
            train=train,
            steps=steps,
            batch_size=batch_size,
            seed=seed,
            policy=policy,
        ),
    )
    flavor = flavor_of(model)
    keras = keras_module(flavor)
    report = AuditReport(
        path=None, format="memory", flavor=flavor, keras_version=getattr(keras, "__version__", None)
    )
    _audit_live(report, model, keras, flavor, opts, private=False)
    _mark_opaque(report, model, opts)
    return report


def audit_path(
    path: str | os.PathLike[str],
    *,
    unsafe: bool | None = None,
    config_only: bool | None = None,
    allow: Iterable[str] | None = None,
    require_recurrent: bool | None = None,
    require_bias: bool | None = None,
    train: bool | None = None,
    steps: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    options: AuditOptions | None = None,
    policy: Policy | None = None,
) -> AuditReport:
    """Audit a saved model (``.keras``, ``.h5``, SavedModel directory); never writes it.

    Load errors are not raised: they are in ``report.error``.
    """
    opts = _options(
        options,
        dict(
            unsafe=unsafe,
            config_only=config_only,
            allow=allow,
            require_recurrent=require_recurrent,
            require_bias=require_bias,
            train=train,
            steps=steps,
            batch_size=batch_size,
            seed=seed,
            policy=policy,
        ),
    )
    return audit_paths([path], opts)[0]


def audit_paths(
    paths: Sequence[str | os.PathLike[str]],
    options: AuditOptions,
    progress: Callable[[int, int, str], None] | None = None,
    jobs: int = 1,
) -> list[AuditReport]:
    """Audit several artifacts; Keras 2 ones go to one worker process together.

    ``jobs`` > 1 audits them in that many worker processes (:mod:`.parallel`);
    the reports come back in the order of ``paths`` either way.
    """
    from .loading import one_line

    stored: dict[int, StoredModel | AuditReport] = {}
    for i, p in enumerate(paths):
        try:
            why_not = refusal(p)
            if why_not is not None:
                raise ArtifactError(why_not)
            stored[i] = read_stored_model(p)
        except ArtifactError as e:
            stored[i] = AuditReport(path=str(p), format="unknown", error=str(e))
        except Exception as e:  # one unreadable artifact never costs the others
            stored[i] = AuditReport(
                path=str(p), format="unknown", error=f"cannot read the model: {one_line(e)}"
            )
    legacy = [
        i for i, s in stored.items() if isinstance(s, StoredModel) and _needs_worker(s, options)
    ]
    if jobs > 1 and not options.config_only:
        from .parallel import audit_in_pool

        return audit_in_pool(paths, stored, set(legacy), options, jobs, progress)
    worker_reports: dict[int, AuditReport] | None = None
    reports = []
    for i, p in enumerate(paths):
        if progress is not None:
            progress(i + 1, len(paths), str(p))
        s = stored[i]
        if isinstance(s, AuditReport):
            reports.append(s)
        elif i in legacy:
            if worker_reports is None:
                from .worker import run_worker

                got = run_worker([str(paths[j]) for j in legacy], options)
                worker_reports = dict(zip(legacy, got, strict=True))
            reports.append(worker_reports[i])
        else:
            try:
                reports.append(audit_stored(s, options))
            except Exception as e:
                reports.append(
                    AuditReport(path=s.path, format=s.format, error=f"audit failed: {one_line(e)}")
                )
    return reports


def _needs_worker(stored: StoredModel, options: AuditOptions) -> bool:
    from .backend import backend_refusal
    from .loading import legacy_keras_active, tf_keras_available

    if options.config_only or stored.flavor != KERAS2 or legacy_keras_active():
        return False
    if backend_refusal(stored) is not None:
        return False  # audit_stored says why, without TensorFlow
    if stored.format == "h5" and not tf_keras_available():
        return False  # Keras 3 loads tf_keras .h5 files (keras-facts.md §6)
    return not unsafe_reasons(stored) or options.unsafe


def audit_stored(stored: StoredModel, options: AuditOptions) -> AuditReport:
    """Audit one artifact whose stored config has been read, in this process."""
    from .backend import backend_refusal
    from .loading import LoadError, legacy_keras_active, load_model, tf_keras_available

    report = AuditReport(
        path=stored.path,
        format=stored.format,
        flavor=stored.flavor,
        keras_version=stored.keras_version,
    )
    reasons = unsafe_reasons(stored)
    if stored.format == "export":
        if reasons and not (options.unsafe or options.config_only):
            report.error = refusal_message(reasons)
            return report
        if not options.config_only and backend_refusal(stored) is not None:
            report.error = backend_refusal(stored)
            return report
        if reasons and options.config_only:
            report.notes.append(f"not loaded; contains {', '.join(reasons)}")
        _audit_export(report, stored, options)
        return report
    if options.config_only:
        if reasons:
            report.notes.append(f"not loaded; contains {', '.join(reasons)}")
        report.weights = records_from_config(stored, options)
        check_weights(report, live=False, options=options)
        report.opaque = opaque_layers(stored.config, options)
        report.incomplete_allowed = options.allow_incomplete
        report.notes.append(
            "audited from the stored config only: RA002, RA004 and RA005 were not checked"
        )
        return report
    if reasons and not options.unsafe:
        report.error = refusal_message(reasons)
        return report
    if backend_refusal(stored) is not None:
        report.error = backend_refusal(stored)
        return report
    if stored.flavor == KERAS2 and not legacy_keras_active():
        if stored.format != "h5" or tf_keras_available():
            report.error = (
                "a Keras 2 (tf_keras) artifact must be audited in a process with "
                "TF_USE_LEGACY_KERAS=1 (use audit_paths or the CLI)"
            )
            return report
        stored = StoredModel(**{**stored.__dict__, "flavor": KERAS3})
        report.notes.append("tf_keras is not installed: loaded with Keras 3")
    if options.imports:
        from .imports import ImportFailure, import_user_code

        try:
            import_user_code(options.imports, options.import_root)
        except ImportFailure as e:
            report.error = str(e)
            return report
    try:
        loaded = load_model(stored, unsafe=options.unsafe)
    except LoadError as e:
        report.error = _missing_class_error(stored) or str(e)
        return report
    report.notes.extend(loaded.notes)
    _audit_live(
        report,
        loaded.model,
        loaded.keras,
        loaded.flavor,
        options,
        private=True,
        compiled=loaded.compiled,
    )
    _mark_opaque(report, loaded.model, options)
    return report


def _missing_class_error(stored: StoredModel) -> str | None:
    """The one-line error naming the custom classes the model needs but nobody imported."""
    from .imports import missing_class_message, missing_classes
    from .loading import keras_module

    try:
        names = missing_classes(stored.config, keras_module(stored.flavor or KERAS3))
    except Exception:
        return None
    return missing_class_message(names) if names else None


def _mark_opaque(report: AuditReport, model: Any, options: AuditOptions) -> None:
    if report.error is None:
        report.opaque = opaque_live_layers(model, options)
        report.incomplete_allowed = options.allow_incomplete


def _audit_live(
    report: AuditReport,
    model: Any,
    keras: Any,
    flavor: str,
    options: AuditOptions,
    private: bool,
    compiled: bool | None = None,
) -> None:
    """Inspect and verify a loaded model; Python warnings it raises become report notes."""
    import warnings

    from .report import warning_notes

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _check_live(report, model, keras, flavor, options, private, compiled)
    report.notes.extend(warning_notes([str(w.message) for w in caught]))


def _check_live(
    report: AuditReport,
    model: Any,
    keras: Any,
    flavor: str,
    options: AuditOptions,
    private: bool,
    compiled: bool | None,
) -> None:
    from .inspection import inspect_model
    from .loading import one_line
    from .synthetic import InputSpecError, make_inputs, model_input
    from .verification import (
        add_verification_findings,
        loss_spec,
        loss_weights_spec,
        verify_safely,
    )

    try:
        xs = make_inputs(model, options.batch_size, options.seed)
    except InputSpecError as e:
        report.error = str(e)
        return
    try:
        model(model_input(xs), training=False)
    except Exception as e:
        report.error = f"the model cannot be called on synthetic inputs: {one_line(e)}"
        return
    labels: dict[int, tuple[str, str]] = {}
    report.weights = inspect_model(model, options, flavor, labels)
    # An explicit penalty is only known after the training step: RA001 waits for it.
    explicit = "explicit-penalty" in options.policy.other_means
    if not explicit:
        check_weights(report, live=True, options=options)
    if not options.train:
        report.verification = Verification(ran=False, reason="skipped (--no-train)")
        _settle_explicit(report, options, "not measured: the training step was skipped")
        return
    if not explicit and not any(w.penalty for w in report.weights if w.trainable):
        report.verification = Verification(
            ran=False, reason="no regularized trainable weight: nothing to verify"
        )
        return
    loss = loss_spec(model) if compiled is not False else None
    weights = loss_weights_spec(model) if loss is not None else None
    try:
        copy = model if private else copy_model(model, keras)
    except Exception as e:
        report.verification = Verification(
            ran=False, reason=f"cannot copy the model: {one_line(e)}"
        )
        _settle_explicit(report, options, "not measured: the model could not be copied")
        return
    report.verification = verify_safely(copy, keras, flavor, loss, options, labels, weights)
    if not report.verification.ran:
        report.error = f"{report.verification.reason} (--no-train skips the training step)"
        return
    v = report.verification
    _settle_explicit(
        report, options, v.explicit_reason or "the loss has no extra term over this weight", v
    )
    add_verification_findings(report, report.verification)


def _settle_explicit(
    report: AuditReport, options: AuditOptions, why_not: str, v: Verification | None = None
) -> None:
    """Mark the weights an explicit penalty was measured on, then add RA001–RA003
    (other-means "explicit-penalty" only; otherwise they were added already)."""
    if "explicit-penalty" not in options.policy.other_means:
        return
    measured = v.explicit_penalty if v is not None else {}
    for w in report.weights:
        if w.weight in measured:
            w.covered_by.append("explicit-penalty")
        elif w.regularizer is None and w.penalty is None:
            w.not_covered["explicit-penalty"] = why_not
    check_weights(report, live=True, options=options)


def copy_model(model: Any, keras: Any) -> Any:
    """An independent copy with the same class, weights and (uncompiled) state."""
    clone = None
    try:
        clone = keras.models.clone_model(model)
    except Exception:
        clone = None
    if clone is not None and type(clone) is type(model):
        clone.set_weights(model.get_weights())
        return clone
    import tempfile

    with tempfile.TemporaryDirectory(prefix="reglint-") as d:
        tmp = str(Path(d) / "copy.keras")
        model.save(tmp)
        kwargs = {"safe_mode": False} if hasattr(keras, "saving") else {}
        return keras.models.load_model(
            tmp, compile=False, custom_objects={type(model).__name__: type(model)}, **kwargs
        )


def _audit_export(report: AuditReport, stored: StoredModel, options: AuditOptions) -> None:
    """RA006: an inference-only SavedModel. List what can still be seen."""
    msg = (
        "inference-only SavedModel (model.export / tf.saved_model.save): no Keras config, "
        "no regularizers and no model.losses survive export, so it cannot be trained "
        "with a penalty"
    )
    if options.config_only:
        report.add(
            "RA006",
            msg + "; checked: nothing (no stored config); not checked: "
            "regularizers, penalties, training step",
        )
        return
    from .loading import one_line, quiet_tensorflow

    quiet_tensorflow()
    try:
        import tensorflow as tf

        obj = tf.saved_model.load(stored.path)
    except Exception as e:
        report.error = f"cannot load SavedModel: {one_line(e)}"
        return
    variables = list(getattr(obj, "trainable_variables", None) or getattr(obj, "variables", []))
    for v in variables:
        name = v.name[:-2] if v.name.endswith(":0") else v.name
        leaf = name.rsplit("/", 1)[-1]
        if not any(leaf == s or leaf.endswith("_" + s) for s in _KERNEL_SUFFIXES):
            continue
        layer = name.rsplit("/", 1)[0] if "/" in name else name
        report.weights.append(
            WeightRecord(
                layer=layer,
                layer_class="unknown",
                weight=name,
                argument="unknown",
                kind="kernel",
                shape=[int(d) for d in v.shape],
                required=False,
            )
        )
    report.add(
        "RA006",
        f"{msg}; checked: {len(variables)} trainable variables listed "
        f"({len(report.weights)} kernel-type by name); not checked: regularizers, "
        "penalties, training step",
    )
    report.verification = Verification(ran=False, reason="inference-only artifact")
