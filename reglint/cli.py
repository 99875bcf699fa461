"""The ``reglint`` command line: ``check``, ``rules``, ``rule``, ``audit``."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from . import __version__
from .config import ConfigError, Settings, load_settings
from .findings import Finding

if TYPE_CHECKING:
    from .runner import FileResult

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
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default=None,
    help="How to print the findings (default: text, or the config's output-format).",
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
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Also apply (and mark with [*]) the fixes that change how a model trains.",
)
@click.option("--show-fixes", is_flag=True, help="List the fixes --fix applied, per file.")
@click.option(
    "--fix-only", is_flag=True, help="Apply fixes and report nothing that remains (exit 0)."
)
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 if any fix was applied, even when nothing remains.",
)
@click.option(
    "--keras-version",
    type=click.Choice(["2", "3"]),
    default=None,
    help="The Keras the project runs (default: each file's imports say).",
)
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
@click.option(
    "--cross-calls/--no-cross-calls",
    default=None,
    help="Follow helpers, parameters and modules (on by default; docs/cross-calls.md).",
)
@click.option(
    "--preview/--no-preview",
    default=None,
    help="Enable rules and analyses in preview (none in this version).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Lint standard input ('-') as if it were PATH (its config, ignores and excludes).",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip what .gitignore files ignore inside a git work tree (default: on).",
)
@click.option(
    "--show-settings", is_flag=True, help="Print the settings for the first file, then exit."
)
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, then exit.")
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
    unsafe_fixes,
    show_fixes,
    fix_only,
    exit_non_zero_on_fix,
    keras_version,
    jobs,
    config_path,
    exclude,
    extend_exclude,
    force_exclude,
    require_recurrent,
    cross_calls,
    preview,
    no_cache,
    quiet,
    stdin_filename,
    respect_gitignore,
    show_settings,
    show_files,
) -> None:
    """Lint Python files and notebooks (default: the current directory)."""
    from .discovery import Discovery, discover
    from .formats import printable, streamer
    from .formats.text_format import Tally, fixes_applied, summary
    from .formats.text_format import statistics as stats_table
    from .registry import rule_infos

    ALL_RULES = rule_infos()  # metadata only: libcst is imported when a file needs it
    stdin = paths == ("-",) or (not paths and stdin_filename is not None)
    if "-" in paths and not stdin:
        raise click.UsageError("'-' (standard input) cannot be combined with other paths")
    if stdin_filename is not None and not stdin:
        raise click.UsageError("--stdin-filename needs '-' as the only path (standard input)")
    paths = paths or (".",)
    fix = fix or fix_only
    if sum((fix, diff, add_noqa)) > 1:
        raise click.UsageError("--fix, --diff and --add-noqa exclude each other")
    if diff and output_format not in (None, "text"):
        raise click.UsageError(
            f"--diff prints a unified diff: it cannot be combined with --output-format "
            f"{output_format}"
        )
    if stdin and add_noqa:
        raise click.UsageError("--add-noqa writes files: it cannot read standard input")
    if config_path:
        start = Path(config_path)
    elif stdin:
        start = Path(stdin_filename) if stdin_filename else Path.cwd()
    else:
        start = Path(paths[0]) if os.path.lexists(paths[0]) else Path.cwd()
    settings = load_settings(start, Path(config_path) if config_path else None)
    options: dict = {"require-recurrent": True} if require_recurrent else {}
    if unsafe_fixes is not None:
        options["unsafe-fixes"] = unsafe_fixes
    if keras_version is not None:
        options["keras-version"] = keras_version
    if preview is not None:
        options["preview"] = preview
    if cross_calls is not None:
        options["cross-calls"] = cross_calls
    settings = settings.with_overrides(
        select=_codes(select),
        ignore=(*settings.ignore, *(_codes(ignore) or ())),
        extend_select=(*settings.extend_select, *(_codes(extend_select) or ())),
        exclude=tuple(exclude) or None,
        extend_exclude=(*settings.extend_exclude, *extend_exclude) or None,
        options=options or None,
        respect_gitignore=respect_gitignore,
        output_format=output_format,
    )
    settings.enabled_codes(ALL_RULES, ())  # validates selectors before any work
    unsafe = bool(settings.options.get("unsafe-fixes"))
    output_format = "text" if diff else settings.output_format or "text"

    if stdin:
        name = stdin_filename or STDIN_NAME
        skipped = force_exclude and stdin_filename is not None and settings.is_excluded(name)
        found = Discovery(files=[] if skipped else [name])
    else:
        found = discover(paths, settings, force_exclude=force_exclude)
    if show_settings:
        return _show_settings(settings, found.files[0] if found.files else paths[0])
    for missing in found.missing:
        error(f"{missing}: no such file or directory")
    if show_files:
        for file in found.files:
            click.echo(printable(file))
        sys.exit(EXIT_ERROR if found.missing else EXIT_OK)
    if not found.files and not found.missing and not found.unreadable and not stdin:
        click.echo("reglint: warning: no Python files or notebooks found", err=True)

    run = _Run(found.files, settings, jobs, fix, diff, add_noqa, no_cache)
    run.unreadable = found.unreadable
    if stdin:
        run.stdin = _read_stdin()
    if add_noqa:
        for _ in run.chunks():
            pass
        if not quiet:
            n = run.changed
            click.echo(f"Added {n} noqa directive{'s' if n != 1 else ''}.", err=True)
        return _exit([*found.missing, *run.unfixed], run.errors, run.linted, run.unread, exit_zero)

    tally = Tally(unsafe)
    chunks = tally.counting(run.chunks())
    fixed_stdin = stdin and fix  # the fixed text goes to stdout, the report to stderr
    if output_file:
        out = open(output_file, "w", encoding="utf-8")  # noqa: SIM115
    else:
        out = click.get_text_stream("stderr") if fixed_stdin else None
    try:
        if diff or fix_only or (statistics and output_format == "text"):
            for _ in chunks:  # diffs are printed as files are fixed; the table comes last
                pass
            if statistics and not diff:
                _write(out, stats_table(tally, {c: r.name for c, r in ALL_RULES.items()}))
        else:
            stream = streamer(output_format)
            if output_format == "text":
                stream = partial(stream, unsafe_fixes=unsafe)
            for text in stream(chunks):
                _write(out, text)
        if show_fixes and fix and output_format == "text":
            _write(out, fixes_applied(run.applied, {c: r.name for c, r in ALL_RULES.items()}))
    finally:
        if out is not None and output_file:
            out.close()
    if fixed_stdin:
        _write_stdout_bytes(run.stdin_output if run.stdin_output is not None else run.stdin)
    if fix_only:
        if not quiet and run.changed:
            n = run.changed
            click.echo(f"Fixed {n} error{'s' if n != 1 else ''}.", err=bool(output_file))
    elif output_format == "text" and not quiet and not diff and (run.linted or not found.missing):
        text = summary(tally, run.changed, fix_hint=not fix)
        if run.errors and not tally.total and not run.changed:
            n = len(run.errors)
            text = (
                f"{n} file{'s' if n != 1 else ''} could not be analyzed (see the errors above).\n"
            )
        click.echo(text, nl=False, err=bool(output_file) or statistics or fixed_stdin)
    remaining = (1 if run.changed else 0) if diff else 0 if fix_only else tally.total
    if exit_non_zero_on_fix and not diff:
        remaining += run.changed
    return _exit([*found.missing, *run.unfixed], run.errors, run.linted, remaining, exit_zero)


#: The file name of standard input without ``--stdin-filename``.
STDIN_NAME = "<stdin>"


def _read_stdin() -> bytes:
    """Standard input's bytes, at most one more than a file may have."""
    from .source import MAX_BYTES

    return click.get_binary_stream("stdin").read(MAX_BYTES + 1)


def _write_stdout_bytes(data: bytes) -> None:
    stream = click.get_binary_stream("stdout")
    stream.write(data)
    stream.flush()


def _encoded_like(original: bytes, text: str) -> bytes:
    """``text`` in the encoding (and BOM) ``original`` was read in."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    payload = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    return b"\xef\xbb\xbf" + payload if original.startswith(b"\xef\xbb\xbf") else payload


def _show_settings(settings: Settings, path: str) -> None:
    """Print the settings that apply to ``path`` (TOML-like, one key a line), then exit 0."""
    import json

    from .formats import printable
    from .registry import default_codes, rule_infos

    def value(v: object) -> str:
        if isinstance(v, tuple):
            v = list(v)
        return json.dumps(v, default=str, ensure_ascii=False)

    where = settings.config_file if settings.config_file is not None else "none (defaults)"
    rows = [
        ("root", str(settings.root)),
        ("select", settings.select if settings.select is not None else "default"),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
        ("exclude", settings.exclude),
        ("extend-exclude", settings.extend_exclude),
        ("per-file-ignores", {p: list(c) for p, c in settings.per_file_ignores}),
        ("output-format", settings.output_format or "text"),
        ("respect-gitignore", settings.respect_gitignore),
        *sorted(settings.options.items()),
        *((f"policy.{k}", v) for k, v in settings.policy.to_dict().items()),
        ("enabled-rules", sorted(settings.enabled_codes(rule_infos(), default_codes(), path))),
    ]
    click.echo(f"Resolved settings for: {printable(path)}")
    click.echo(f"Settings path: {printable(str(where))}\n")
    for key, v in rows:
        click.echo(f"{key} = {value(v)}")
    sys.exit(EXIT_OK)


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
    fixes, diffs or noqa comments on the way; counts what it could not read.

    A file (or walked directory) that could not be read is an RL900 finding;
    a defect met while analyzing a readable file stays an error line. With
    ``stdin`` set (its bytes), the one file is standard input: its fixed text
    is kept in ``stdin_output``, never written anywhere.
    """

    def __init__(
        self, files, settings: Settings, jobs, fix: bool, diff: bool, add_noqa: bool, no_cache: bool
    ) -> None:
        self.files, self.settings, self.jobs = files, settings, jobs
        self.fix, self.diff, self.add_noqa, self.no_cache = fix, diff, add_noqa, no_cache
        self.errors: list[str] = []
        self.unfixed: list[str] = []  # files whose fixes could not be written
        self.unreadable: list[tuple[str, str]] = []  # directories a walk could not list
        self.unread = 0  # files and directories reported as RL900
        self.stdin: bytes | None = None
        self.stdin_output: bytes | None = None
        self.changed = 0
        self.linted = 0
        self.applied: list[tuple[str, list[Finding]]] = []  # the fixes made, per file

    def chunks(self) -> Iterator[list[Finding]]:
        from .io_error import io_finding, is_io_error

        for path, reason in self.unreadable:
            self.unread += 1
            if self.add_noqa:
                error(f"{path}: {reason}")
            else:
                yield [io_finding(path, reason)]
        for result in self._results():
            if result.error is not None:
                if not is_io_error(result.error):
                    error(f"{result.path}: {result.error}")
                    self.errors.append(result.path)
                    continue
                self.unread += 1
                if self.add_noqa:
                    error(f"{result.path}: {result.error}")
                else:
                    yield [io_finding(result.path, result.error)]
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
                elif self.stdin is not None:
                    try:
                        self.stdin_output = _encoded_like(self.stdin, result.fixed_source)
                    except UnicodeEncodeError as exc:
                        error(
                            f"{result.path}: the fixes cannot be encoded ({exc.reason}); not fixed"
                        )
                        self.unfixed.append(result.path)
                        from .engine import lint_source

                        yield lint_source(result.source, result.path, self.settings)
                        continue
                elif not self._write(result.path, result.source, result.fixed_source):
                    from .engine import lint_source

                    yield lint_source(result.source, result.path, self.settings)
                    continue
                self.changed += len(result.fixed)
                self.applied.append((result.path, result.fixed))
            yield result.findings

    def _results(self) -> Iterator[FileResult]:
        from .runner import FileResult, lint_files

        if self.stdin is None:
            yield from lint_files(
                self.files,
                self.settings,
                self.jobs,
                fix=self.fix or self.diff,
                cache=not self.no_cache,
            )
            return
        from .runner import _lint_data
        from .source import MAX_BYTES

        for name in self.files:  # none when --force-exclude excludes it
            if len(self.stdin) > MAX_BYTES:
                limit = MAX_BYTES // (1024 * 1024)
                yield FileResult(name, error=f"file larger than {limit} MB, skipped")
            else:
                yield _lint_data(name, self.stdin, self.settings, self.fix or self.diff)

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
    from .source import python_dump, read_source, write_source

    if any(f.code == "RL000" for f in findings):
        return 0
    if any(f.cell is not None for f in findings):
        from .notebooks import add_noqa_to_cells

        original = read_source(path)
        new, count = add_noqa_to_cells(original, findings)
        if count:
            write_source(path, original, new)
        return count
    by_row: dict[int, set[str]] = defaultdict(set)
    for f in findings:
        if f.cell is None:
            by_row[f.location.row].add(f.code)
    if not by_row:
        return 0
    original = read_source(path)
    before = python_dump(original)
    if before is None:  # changed since it was linted
        return 0
    new, count = add_noqa(original, by_row)
    if python_dump(new) != before:
        new, count = original, 0
        for row, codes in sorted(by_row.items()):
            candidate, n = add_noqa(new, {row: codes})
            if n and python_dump(candidate) == before:
                new, count = candidate, count + n
    if count:
        write_source(path, original, new)
    return count


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--all", "show_all", is_flag=True, help="Include the audit checks RA001-RA006.")
def rules_command(output_format: str, show_all: bool) -> None:
    """List the lint rules."""
    import json

    from . import io_error
    from .registry import rule_infos

    rows = [
        (r.code, r.name, "on" if r.default_enabled else "off", r.fixable, r.summary)
        for r in rule_infos().values()
    ]
    rows.append((io_error.CODE, io_error.NAME, "on", False, io_error.SUMMARY))
    audit_docs = []
    if show_all:
        from . import ruledocs

        audit_docs = [doc for doc in ruledocs.all_docs() if doc.code.startswith("RA")]
    if output_format == "json":
        listed = [
            {"code": c, "name": n, "default": d == "on", "fix": f, "summary": s}
            for c, n, d, f, s in rows
        ]
        listed += [{"code": doc.code, "name": doc.name, "audit": True} for doc in audit_docs]
        click.echo(json.dumps(listed, indent=2))
        return
    width = max(len(n) for _, n, *_ in rows)
    for code, name, default, fixable, text in rows:
        mark = "fix" if fixable else "   "
        click.echo(f"{code}  {name:<{width}}  {default:<3}  {mark}  {text}")
    for doc in audit_docs:
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
