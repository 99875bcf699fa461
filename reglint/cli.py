"""The ``reglint`` command line: ``check``, ``rules``, ``rule``, ``audit``."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import click

from . import __version__
from .config import ConfigError, Settings, load_settings
from .findings import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def error(message: str) -> None:
    from .formats import printable  # a file name that is not UTF-8 shows its bytes as \xNN

    click.echo(f"reglint: error: {printable(message)}", err=True)


def _codes(values: Sequence[str]) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(c for v in values for c in v.replace(" ", "").split(",") if c)


class ReglintGroup(click.Group):
    """Turns any unexpected exception into one line and exit code 2.

    Commands named in ``lazy_commands`` are imported only when looked up (their
    modules cost start-up time that ``--version`` and ``rules`` need not pay).
    """

    lazy_commands: ClassVar[dict[str, str]] = {
        "audit": "reglint.audit.command:audit",
        "server": "reglint.server.command:server",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            import importlib

            module, _, attr = self.lazy_commands[cmd_name].partition(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except ImportError:  # pragma: no cover - the auditor is part of reglint
                return None
            self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            error(str(exc))
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            ctx.exit(130)
        except BrokenPipeError:
            # the reader (``| head``) went away: stop quietly, as other CLI tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_FINDINGS)
        except Exception as exc:
            if os.environ.get("REGLINT_DEBUG"):
                raise
            error(f"internal error: {type(exc).__name__}: {exc} (set REGLINT_DEBUG=1 for details)")
            ctx.exit(EXIT_ERROR)


@click.group(cls=ReglintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="reglint")
def main() -> None:
    """Make sure Keras models are really regularized."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Rules to enable (codes or prefixes, comma-separated; ALL).",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="CODES",
    help="Rules to enable on top of the selection, e.g. RL009.",
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report here instead of stdout.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, writing the files in place.")
@click.option("--diff", is_flag=True, help="Print the diff of the safe fixes; write nothing.")
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Write `# noqa: CODE` on every current finding (baseline a codebase).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of CPUs).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Read settings from this TOML file instead of the nearest pyproject.toml.",
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Replace the excluded globs.")
@click.option("--extend-exclude", multiple=True, metavar="GLOB", help="Exclude more globs.")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply excludes to paths named on the command line too (for pre-commit).",
)
@click.option(
    "--require-recurrent",
    is_flag=True,
    default=None,
    help="RL001 also requires recurrent_regularizer on recurrent layers.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
def check(
    paths,
    select,
    extend_select,
    ignore,
    output_format,
    output_file,
    exit_zero,
    statistics,
    fix,
    diff,
    add_noqa,
    jobs,
    config_path,
    exclude,
    extend_exclude,
    force_exclude,
    require_recurrent,
    no_cache,
    quiet,
) -> None:
    """Lint Python files and notebooks (default: the current directory)."""
    from .discovery import discover
    from .formats import streamer
    from .formats.text_format import Tally, summary
    from .formats.text_format import statistics as stats_table
    from .registry import rule_infos

    ALL_RULES = rule_infos()  # metadata only: libcst is imported when a file needs it
    paths = paths or (".",)
    if sum((fix, diff, add_noqa)) > 1:
        raise click.UsageError("--fix, --diff and --add-noqa exclude each other")
    start = Path(config_path) if config_path else Path(paths[0])
    settings = load_settings(
        start if start.exists() else Path.cwd(), Path(config_path) if config_path else None
    )
    options = {"require-recurrent": True} if require_recurrent else None
    settings = settings.with_overrides(
        select=_codes(select),
        ignore=(*settings.ignore, *(_codes(ignore) or ())),
        extend_select=(*settings.extend_select, *(_codes(extend_select) or ())),
        exclude=tuple(exclude) or None,
        extend_exclude=(*settings.extend_exclude, *extend_exclude) or None,
        options=options,
    )
    settings.enabled_codes(ALL_RULES, ())  # validates selectors before any work

    found = discover(paths, settings, force_exclude=force_exclude)
    for missing in found.missing:
        error(f"{missing}: no such file or directory")
    if not found.files and not found.missing:
        click.echo("reglint: warning: no Python files or notebooks found", err=True)

    run = _Run(found.files, settings, jobs, fix, diff, add_noqa, no_cache)
    if add_noqa:
        for _ in run.chunks():
            pass
        if not quiet:
            n = run.changed
            click.echo(f"Added {n} noqa directive{'s' if n != 1 else ''}.", err=True)
        return _exit([*found.missing, *run.unfixed], run.errors, run.linted, 0, exit_zero)

    tally = Tally()
    chunks = tally.counting(run.chunks())
    out = open(output_file, "w", encoding="utf-8") if output_file else None  # noqa: SIM115
    try:
        if diff or (statistics and output_format == "text"):
            for _ in chunks:  # diffs are printed as files are fixed; the table comes last
                pass
            if statistics and not diff:
                _write(out, stats_table(tally, {c: r.name for c, r in ALL_RULES.items()}))
        else:
            for text in streamer(output_format)(chunks):
                _write(out, text)
    finally:
        if out is not None:
            out.close()
    if output_format == "text" and not quiet and not diff and (run.linted or not found.missing):
        click.echo(
            summary(tally, run.changed, fix_hint=not fix),
            nl=False,
            err=bool(output_file) or statistics,
        )
    remaining = (1 if run.changed else 0) if diff else tally.total
    return _exit([*found.missing, *run.unfixed], run.errors, run.linted, remaining, exit_zero)


def _write(out, text: str) -> None:
    if not text:
        return
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write(text)


def _exit(missing, errors, linted, findings: int, exit_zero) -> None:
    if missing or (errors and not linted):
        sys.exit(EXIT_ERROR)
    if findings and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


class _Run:
    """Lints ``files`` and yields each file's findings as it is done, applying
    fixes, diffs or noqa comments on the way; counts what it could not read."""

    def __init__(
        self, files, settings: Settings, jobs, fix: bool, diff: bool, add_noqa: bool, no_cache: bool
    ) -> None:
        self.files, self.settings, self.jobs = files, settings, jobs
        self.fix, self.diff, self.add_noqa, self.no_cache = fix, diff, add_noqa, no_cache
        self.errors: list[str] = []
        self.unfixed: list[str] = []  # files whose fixes could not be written
        self.changed = 0
        self.linted = 0

    def chunks(self) -> Iterator[list[Finding]]:
        from .runner import lint_files

        results = lint_files(
            self.files, self.settings, self.jobs, fix=self.fix or self.diff, cache=not self.no_cache
        )
        for result in results:
            if result.error is not None:
                error(f"{result.path}: {result.error}")
                self.errors.append(result.path)
                continue
            self.linted += 1
            if self.add_noqa:
                from .source import SourceError

                try:
                    self.changed += _add_noqa(result.path, result.findings)
                except SourceError as exc:
                    error(f"{result.path}: cannot write the noqa comments: {exc}; not changed")
                    self.unfixed.append(result.path)
                continue
            if result.fixed_source is not None and result.source is not None:
                if self.diff:
                    _print_diff(result.path, result.source, result.fixed_source)
                elif not self._write(result.path, result.source, result.fixed_source):
                    from .engine import lint_source

                    yield lint_source(result.source, result.path, self.settings)
                    continue
                self.changed += len(result.fixed)
            yield result.findings

    def _write(self, path: str, source: str, fixed: str) -> bool:
        """Write one file's fixes; a file that cannot be written costs one line
        (its findings are then those of the text as read) and exit code 2."""
        from .source import SourceError, write_source

        try:
            if write_source(path, source, fixed):
                return True
            reason = "changed while linting"
        except SourceError as exc:
            reason = f"cannot write the fixes: {exc}"
        error(f"{path}: {reason}; not fixed")
        self.unfixed.append(path)
        return False


def _print_diff(path: str, old: str, new: str) -> None:
    import difflib

    from .formats import printable

    click.echo(
        "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=printable(path),
                tofile=printable(path),
            )
        ),
        nl=False,
    )


def _add_noqa(path: str, findings: list[Finding]) -> int:
    """Write ``# noqa`` for ``findings``; a line where a comment would change the
    code's meaning (inside a multi-line string) is left alone, and so is a file
    that was not analyzed (RL000: Python rejects it, or it is beyond reglint's limits)."""
    from .noqa import add_noqa
    from .source import read_source, write_source

    if any(f.code == "RL000" for f in findings):
        return 0
    by_row: dict[int, set[str]] = defaultdict(set)
    for f in findings:
        if f.cell is None:
            by_row[f.location.row].add(f.code)
    if not by_row:
        return 0
    original = read_source(path)
    before = _ast_dump(original)
    if before is None:  # changed since it was linted
        return 0
    new, count = add_noqa(original, by_row)
    if _ast_dump(new) != before:
        new, count = original, 0
        for row, codes in sorted(by_row.items()):
            candidate, n = add_noqa(new, {row: codes})
            if n and _ast_dump(candidate) == before:
                new, count = candidate, count + n
    if count:
        write_source(path, original, new)
    return count


def _ast_dump(source: str) -> str | None:
    """CPython's tree of ``source`` as text, None if it cannot be parsed."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(source, "<noqa>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return ast.dump(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--all", "show_all", is_flag=True, help="Include the audit checks RA001-RA006.")
def rules_command(output_format: str, show_all: bool) -> None:
    """List the lint rules."""
    import json

    from .registry import rule_infos

    rows = [
        (r.code, r.name, "on" if r.default_enabled else "off", r.fixable, r.summary)
        for r in rule_infos().values()
    ]
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {"code": c, "name": n, "default": d == "on", "fix": f, "summary": s}
                    for c, n, d, f, s in rows
                ],
                indent=2,
            )
        )
        return
    width = max(len(n) for _, n, *_ in rows)
    for code, name, default, fixable, text in rows:
        mark = "fix" if fixable else "   "
        click.echo(f"{code}  {name:<{width}}  {default:<3}  {mark}  {text}")
    if show_all:
        from . import ruledocs

        for doc in ruledocs.all_docs():
            if doc.code.startswith("RA"):
                click.echo(f"{doc.code}  {doc.name:<{width}}  audit")


@main.command()
def clean() -> None:
    """Remove the result cache (.reglint_cache) of the project in the current directory."""
    from .cache import clean as remove_cache

    removed = remove_cache(load_settings(Path.cwd()))
    if removed is not None:
        click.echo(f"Removed {removed}", err=True)


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Explain one rule: why it matters, a bad and a good example, the fix."""
    from . import ruledocs

    doc = ruledocs.load(code)
    if doc is None:
        raise click.BadParameter(f"unknown rule {code!r} (see `reglint rules`)", param_hint="CODE")
    click.echo(doc.text, nl=not doc.text.endswith("\n"))
