"""``reglint audit MODELS...``: the click command (imports no TensorFlow by itself)."""

from __future__ import annotations

import sys

import click

from .formats import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.command("audit")
@click.argument("models", nargs=-1, type=click.Path(), metavar="MODELS...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False),
    help="Write the report here instead of stdout.",
)
@click.option(
    "--unsafe", is_flag=True, help="Load models whose stored config carries code (Lambda layers)."
)
@click.option(
    "--config-only",
    is_flag=True,
    help="Audit the stored config only (RA001, RA003, RA006); no TensorFlow.",
)
@click.option("--no-train", is_flag=True, help="Skip the verification training step.")
@click.option("--steps", type=click.IntRange(min=1), help="Verification steps (default 1).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Synthetic batch size (default 4).")
@click.option("--seed", type=int, help="Seed of the synthetic data (default 0).")
@click.option(
    "--allow",
    multiple=True,
    metavar="LAYER_GLOB",
    help="Exempt layers whose name or path matches (repeatable).",
)
@click.option(
    "--require-recurrent",
    is_flag=True,
    default=None,
    help="Require recurrent_regularizer on recurrent kernels.",
)
@click.option("--require-bias", is_flag=True, default=None, help="Require bias_regularizer.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
def audit(
    models: tuple[str, ...],
    fmt: str,
    output_file: str | None,
    unsafe: bool,
    config_only: bool,
    no_train: bool,
    steps: int | None,
    batch_size: int | None,
    seed: int | None,
    allow: tuple[str, ...],
    require_recurrent: bool | None,
    require_bias: bool | None,
    exit_zero: bool,
) -> None:
    """Audit saved Keras models: are their kernel-type weights really regularized?

    MODELS are .keras / .h5 files or SavedModel directories. Exit 0 when nothing
    is found, 1 on findings, 2 when a model cannot be read or loaded.
    """
    from ..config import ConfigError
    from .api import audit_paths
    from .formats import render
    from .policy import load_audit_options

    if not models:
        raise click.UsageError("no model given")
    try:
        options = load_audit_options()
    except ConfigError as e:
        _fail(str(e))
    options = options.with_overrides(
        unsafe=unsafe or None,
        config_only=config_only or None,
        train=False if no_train else None,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        require_recurrent=require_recurrent,
        require_bias=require_bias,
        allow=(*options.allow, *allow) if allow else None,
    )

    def progress(i: int, n: int, path: str) -> None:
        if n > 1:
            click.echo(f"reglint: [{i}/{n}] auditing {path}", err=True)

    reports = audit_paths(list(models), options, progress)
    for r in reports:
        if r.error is not None:
            click.echo(f"reglint: error: {r.name}: {r.error}", err=True)
    text = render(reports, fmt)
    if output_file:
        try:
            with open(output_file, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            _fail(f"cannot write {output_file}: {e.strerror or e}")
    else:
        click.echo(text, nl=False)
    if any(r.error is not None for r in reports):
        sys.exit(EXIT_ERROR)
    if any(r.findings for r in reports) and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _fail(message: str) -> None:
    click.echo(f"reglint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def main() -> None:  # pragma: no cover - `python -m reglint.audit.command` without the CLI
    audit()


if __name__ == "__main__":  # pragma: no cover
    main()
