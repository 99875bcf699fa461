"""RA001/RA003 from the stored config alone (``--config-only``): no TensorFlow."""

from __future__ import annotations

from ..catalog import BIAS, KERNEL_LAYERS, RECURRENT
from .layer_configs import iter_layer_configs
from .policy import AuditOptions, is_allowed, is_required
from .regularizers import parse_regularizer
from .report import WeightRecord
from .stored_config import KERAS3, StoredModel


def argument_kind(spec_kernel_args: tuple[str, ...], arg: str) -> str | None:
    if arg in spec_kernel_args:
        return "kernel"
    if arg == RECURRENT:
        return "recurrent"
    if arg == BIAS:
        return "bias"
    return None


def records_from_config(stored: StoredModel, options: AuditOptions) -> list[WeightRecord]:
    """One record per (layer, regularizer argument) of every catalog layer.

    The weight is named after the argument (``dense/kernel``, ``mha/kernel``):
    the config does not say how many weights an argument covers.
    """
    records: list[WeightRecord] = []
    flavor = stored.flavor or KERAS3
    for path, layer in iter_layer_configs(stored.config):
        spec = KERNEL_LAYERS.get(str(layer.get("class_name")))
        if spec is None or not path:
            continue
        cfg = layer.get("config") if isinstance(layer.get("config"), dict) else {}
        if cfg.get("use_bias") is False:
            args = [a for a in (*spec.kernel_args, RECURRENT) if a in spec.accepted]
        else:
            args = [a for a in (*spec.kernel_args, RECURRENT, BIAS) if a in spec.accepted]
        for arg in args:
            kind = argument_kind(spec.kernel_args, arg)
            if kind is None or (kind == "recurrent" and not spec.recurrent):
                continue
            records.append(
                WeightRecord(
                    layer=path,
                    layer_class=spec.name,
                    weight=f"{path}/{arg.removesuffix('_regularizer')}",
                    argument=arg,
                    kind=kind,
                    trainable=bool(cfg.get("trainable", True)),
                    regularizer=parse_regularizer(cfg.get(arg), flavor),
                    required=is_required(kind, options),
                    allowed=is_allowed(path, options.allow),
                )
            )
    return records
