"""The mutation corpus through the real command line, many files at a time (the
process pool) and one at a time: ``check`` (text, JSON, cached), ``--fix``
twice and ``--add-noqa`` (then ``check``). Each directory also holds unmodified
control files, whose findings must come out as when they are linted alone: one
bad file never costs the others their results."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from . import DEFAULT_MUTANTS
from .clirun import (
    Verdict,
    compiles,
    digests,
    expected_controls,
    json_keys,
    meaning,
    noqa_covers,
    project,
    reglint,
    row_line,
)
from .mutants import SEED, Mutant, deep_mutants, mutants

#: Mutants per multi-file run (with the controls, enough for the process pool).
BATCH = 40
#: Mutants run one directory at a time by the default run (the rest are ``slow``).
DEFAULT_CLI_MUTANTS = 80
#: Mutants of the ``slow`` multi-file runs (indices after the in-process default run's).
SLOW_CLI_MUTANTS = 1000
_FINDING_LINE = re.compile(r"src/(?P<name>[^:/]+):(?:cell \d+:)?\d+:\d+: RL\d{3} ")


def exercise(
    tmp_path: Path, corpus: list[Mutant], *options: str, controls: bool = True, full: bool = True
) -> None:
    """Every command-line path over one directory of ``corpus`` (only ``check`` in
    JSON unless ``full``); reports all problems at once."""
    verdict = Verdict({m.name: m for m in corpus})
    root = tmp_path / "check"
    src = project(root, corpus, controls)
    (tmp_path / "REPRODUCE.txt").write_text(
        "".join(m.reproducer(src / m.name) + "\n" for m in corpus)
    )
    target = "src" if controls or len(corpus) != 1 else f"src/{corpus[0].name}"
    args = ("--no-cache", *options)
    before = digests(root)

    run = reglint("check", *args, "--format", "json", target, cwd=root)
    findings = verdict.judge(run, json_out=True)
    if run.returncode is None or run.returncode < 0:
        verdict.assert_ok(tmp_path)  # the other runs would only repeat it
    if findings is not None:
        _judge_check(verdict, run.returncode, run.errors(), findings, src, controls)
    if not full:
        verdict.assert_ok(tmp_path)
        return
    text_run = reglint("check", *args, target, cwd=root)
    verdict.judge(text_run)
    if findings is not None and text_run.returncode is not None and text_run.returncode >= 0:
        _judge_text(verdict, text_run.stdout.decode("utf-8", "replace"), findings)
    for attempt in ("first", "second"):
        cached = reglint("check", *options, "--format", "json", target, cwd=root)
        cached_findings = verdict.judge(cached, json_out=True)
        if findings is not None and cached_findings is not None:
            differ = _differing(json_keys(findings), json_keys(cached_findings))
            if differ:
                verdict.add(f"{attempt} cached run differs from the uncached one", differ)
    changed = _changed(before, digests(root))
    if changed:
        verdict.add("plain `check` changed files", changed)

    if findings is not None:
        _fix_twice(verdict, tmp_path / "fix", corpus, controls, target, args, findings)
        _add_noqa(verdict, tmp_path / "noqa", corpus, controls, target, args, findings)
    verdict.assert_ok(tmp_path)


def _judge_check(verdict, code, errors, findings, src: Path, controls: bool) -> None:
    got = json_keys(findings)
    if controls:
        if code != 1:
            verdict.add(f"exit code {code}; expected 1 (the control files have findings)")
        for name, expected in expected_controls(src).items():
            if got.get(name, Counter()) != expected:
                verdict.add(f"control {name}: {dict(got.get(name, {}))} != alone {dict(expected)}")
    elif code == 2 and not errors:
        verdict.add("exit code 2 with no error message")
    both = sorted(set(errors) & set(got))
    if both:
        verdict.add("files both in error and reported", both)


def _judge_text(verdict, text: str, findings: list[dict]) -> None:
    per_file = Counter(
        m.group("name") for line in text.splitlines() if (m := _FINDING_LINE.match(line))
    )
    expected = Counter(Path(f["filename"]).name for f in findings)
    differ = _differing(per_file, expected)
    if differ:
        verdict.add("text and JSON output disagree on the number of findings", differ)
    summary = f"Found {len(findings)} error" if findings else "All checks passed!"
    if not any(line.startswith(summary) for line in text.splitlines()[-2:]):
        verdict.add(f"text output does not end with {summary!r}: {text[-200:]!r}")


def _fix_twice(verdict, root, corpus, controls, target, args, findings) -> None:
    src = project(root, corpus, controls)
    original = {p.name: p.read_bytes() for p in src.iterdir()}
    fixable = {
        Path(f["filename"]).name
        for f in findings
        if f["fix"] is not None and f["fix"]["applicability"] == "safe"
    }
    first = reglint("check", "--fix", *args, "--format", "json", target, cwd=root)
    first_findings = verdict.judge(first, json_out=True)
    after = {p.name: p.read_bytes() for p in src.iterdir()}
    if set(after) != set(original):
        verdict.add("--fix left or removed files", sorted(set(after) ^ set(original)))
    changed = sorted(n for n in original if after.get(n) != original[n])
    unexpected = [n for n in changed if n not in fixable]
    if unexpected:
        verdict.add("--fix changed files with no safe fix reported", unexpected)
    for name in changed:
        m = verdict.mutants.get(name)
        deep = m is not None and m.deep
        broke = name.endswith(".py") and not deep and name in after and compiles(original[name])
        if broke and compiles(after[name]) is None:
            verdict.add("--fix broke a file that compiled", [name])
    second = reglint("check", "--fix", *args, "--format", "json", target, cwd=root)
    second_findings = verdict.judge(second, json_out=True)
    again = {p.name: p.read_bytes() for p in src.iterdir()}
    refixed = sorted(n for n in after if again.get(n) != after[n])
    if refixed:
        verdict.add("a second --fix changed files again (fixes not idempotent)", refixed)
    if first_findings is not None and second_findings is not None:
        differ = _differing(json_keys(first_findings), json_keys(second_findings))
        if differ:
            verdict.add("a second --fix reports other findings than the first", differ)


def _add_noqa(verdict, root, corpus, controls, target, args, findings) -> None:
    src = project(root, corpus, controls)
    original = {p.name: p.read_bytes() for p in src.iterdir()}
    by_file = json_keys(findings)
    suppressible = {Path(f["filename"]).name for f in findings if f["code"] != "RL000"}
    run = reglint("check", "--add-noqa", *args, target, cwd=root)
    verdict.judge(run)
    after = {p.name: p.read_bytes() for p in src.iterdir()}
    changed = sorted(n for n in original if after.get(n) != original[n])
    unexpected = [n for n in changed if n not in suppressible]
    if unexpected:
        verdict.add("--add-noqa changed files with no suppressible finding", unexpected)
    for name in changed:
        m = verdict.mutants.get(name)
        if (m is not None and m.deep) or name not in after:
            continue
        old = meaning(name, original[name])
        if old is not None and meaning(name, after[name]) != old:
            verdict.add("--add-noqa changed what the code means", [name])
    check = reglint("check", *args, "--format", "json", target, cwd=root)
    remaining = verdict.judge(check, json_out=True)
    for f in remaining or ():
        name = Path(f["filename"]).name
        row, code = f["location"]["row"], f["code"]
        if f["cell"] is not None or code == "RL000" or name not in changed:
            continue
        if noqa_covers(row_line(after[name], row), code):
            verdict.add(f"{code} at {name}:{row} is still reported on its noqa'd line", [name])
        elif (code, row, f["location"]["column"], None) not in by_file.get(name, {}):
            verdict.add(f"--add-noqa made a new finding {code} at {name}:{row}", [name])
    again = reglint("check", "--add-noqa", *args, target, cwd=root)
    verdict.judge(again)
    if "Added 0 noqa directives." not in again.stderr:
        verdict.add(f"a second --add-noqa added more: {again.stderr[-200:]!r}")


def _changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        Path(k).name for k in before.keys() | after.keys() if before.get(k) != after.get(k)
    )


def _differing(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k, Counter()) != b.get(k, Counter()))


def _batches(start: int, stop: int, size: int = BATCH) -> list[tuple[int, int]]:
    return [(a, min(a + size, stop)) for a in range(start, stop, size)]


@pytest.mark.parametrize(("start", "stop"), _batches(0, DEFAULT_CLI_MUTANTS))
def test_mutant_directory(tmp_path, start, stop):
    exercise(tmp_path, mutants(SEED, start, stop))


def test_mutant_directory_one_worker(tmp_path):
    """A small directory (no pool), and ``-j 1`` on top."""
    exercise(tmp_path, mutants(SEED, DEFAULT_CLI_MUTANTS, DEFAULT_CLI_MUTANTS + 10), "-j", "1")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "stop"), _batches(DEFAULT_MUTANTS, DEFAULT_MUTANTS + SLOW_CLI_MUTANTS, 50)
)
def test_more_mutant_directories(tmp_path, start, stop):
    exercise(tmp_path, mutants(SEED, start, stop))


def test_deeply_nested_directory(tmp_path):
    exercise(tmp_path, deep_mutants())


def _largest() -> list[str]:
    """The deepest mutant of each shape (and placement)."""
    largest: dict[tuple[str, str], tuple[int, str]] = {}
    for m in deep_mutants():
        parts = m.name.removesuffix(".py").split("_")
        key = (parts[1], parts[-1] if len(parts) > 3 else "")
        depth = int(parts[2])
        largest[key] = max(largest.get(key, (0, "")), (depth, m.name))
    return sorted(name for _, name in largest.values())


DEEP = {m.name: m for m in deep_mutants()}


@pytest.mark.parametrize("name", _largest())
def test_deeply_nested_file(tmp_path, name):
    exercise(tmp_path, [DEEP[name]], controls=False, full=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(DEEP) - set(_largest())))
def test_more_deeply_nested_files(tmp_path, name):
    exercise(tmp_path, [DEEP[name]], controls=False)


@pytest.mark.parametrize("index", [0])
def test_single_mutant_file(tmp_path, index):
    exercise(tmp_path, mutants(SEED, index, index + 1), controls=False)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(1, 20))
def test_more_single_mutant_files(tmp_path, index):
    exercise(tmp_path, mutants(SEED, index, index + 1), controls=False)
