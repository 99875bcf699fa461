"""``reglint audit MODELS...``: the click command (imports no TensorFlow by itself)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .formats import FORMATS
from .policy import MAX_BATCH_SIZE, MAX_SEED, MAX_STEPS

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
    "--unsafe",
    is_flag=True,
    help="Load models that carry code: Lambda layers, graph ops doing file/network/Python I/O.",
)
@click.option(
    "--config-only",
    is_flag=True,
    help="Audit the stored config only (RA001, RA003, RA006); no TensorFlow.",
)
@click.option("--no-train", is_flag=True, help="Skip the verification training step.")
@click.option("--steps", type=click.IntRange(1, MAX_STEPS), help="Verification steps (default 1).")
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH_SIZE),
    help="Synthetic batch size (default 4).",
)
@click.option(
    "--seed", type=click.IntRange(0, MAX_SEED), help="Seed of the synthetic data (default 0)."
)
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
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE_OR_PATH.py",
    help="Import this module or file first, so custom classes register (runs it; repeatable).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip matching paths when searching a directory for models (repeatable).",
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    default=None,
    help="Do not fail on layers whose weights the audit cannot see (still reported).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Audit models in this many worker processes (1: in this process).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Let TensorFlow print its own log lines to stderr."
)
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
    imports: tuple[str, ...],
    exclude: tuple[str, ...],
    allow_incomplete: bool | None,
    jobs: int,
    verbose: bool,
) -> None:
    """Audit saved Keras models: are their kernel-type weights really regularized?

    MODELS are .keras / .h5 files, SavedModel directories or directories to
    search for them. Exit 0 when nothing is found, 1 on findings or an
    incomplete audit, 2 when a model cannot be read or loaded.
    """
    from ..config import ConfigError, check_glob
    from .api import audit_paths
    from .formats import render
    from .loading import set_verbose
    from .policy import load_audit_options

    set_verbose(verbose)

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
        imports=(*options.imports, *(_cli_import(m) for m in imports)) if imports else None,
        exclude=(*options.exclude, *exclude) if exclude else None,
        allow_incomplete=allow_incomplete,
    )
    try:
        for pattern in exclude:
            check_glob(pattern, "--exclude")
    except ConfigError as e:
        _fail(str(e))
    if options.imports and not options.config_only and jobs == 1:
        from .imports import ImportFailure, import_user_code

        try:
            import_user_code(options.imports, options.import_root)
        except ImportFailure as e:
            _fail(str(e))
    from .discovery import expand_paths

    paths = expand_paths(models, options.exclude)

    def progress(i: int, n: int, path: str) -> None:
        if n > 1:
            click.echo(f"reglint: [{i}/{n}] auditing {path}", err=True)

    reports = audit_paths(paths, options, progress, jobs=jobs)
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
    if any(not r.passed for r in reports) and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _cli_import(spec: str) -> str:
    """A ``.py`` path relative to the working directory; module names stay as given."""
    return str(Path(spec).absolute()) if spec.endswith(".py") else spec


def _fail(message: str) -> None:
    click.echo(f"reglint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def main() -> None:  # pragma: no cover - `python -m reglint.audit.command` without the CLI
    audit()


if __name__ == "__main__":  # pragma: no cover
    main()
