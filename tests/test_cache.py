"""The result cache (reglint/cache.py): hits, misses, invalidation, bad caches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reglint_testing import run_reglint

import reglint.cache as cache_module
import reglint.runner as runner
from reglint.cache import CACHE_DIR_NAME, Cache, finding_from_json, finding_to_json
from reglint.config import Settings
from reglint.findings import Edit, Finding, Fix, Location
from reglint.runner import lint_files

BAD = "import keras\nlayer = keras.layers.Dense(3)\n"
GOOD = "import keras\nlayer = keras.layers.Dense(3, kernel_regularizer='l2')\n"
PLAIN = "x = 1\n"
OLD = 1_600_000_000  # a timestamp well out of the "racily clean" window


def _tree(root: Path, files: dict[str, str]) -> list[str]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (OLD, OLD))
        paths.append(str(path))
    return paths


class Counter:
    """Counts the files read and linted by the runner (serial runs: -j 1)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.linted: list[str] = []
        real_read, real_lint = runner._read, runner._lint_data

        def read(path: str):
            self.read.append(path)
            return real_read(path)

        def lint(path: str, *args):
            self.linted.append(path)
            return real_lint(path, *args)

        monkeypatch.setattr(runner, "_read", read)
        monkeypatch.setattr(runner, "_lint_data", lint)

    def reset(self) -> None:
        self.read.clear()
        self.linted.clear()


def _run(files: list[str], settings: Settings, cache: bool = True) -> dict[str, list[str]]:
    return {
        r.path: [f"{f.code}:{f.location.row}" for f in r.findings]
        for r in lint_files(files, settings, jobs=1, cache=cache)
    }


@pytest.fixture
def reglint():
    return run_reglint


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Counter:
    return Counter(monkeypatch)


def test_warm_run_reads_and_lints_nothing(tmp_path, counter):
    files = _tree(tmp_path, {"a.py": BAD, "b.py": GOOD, "pkg/c.py": PLAIN})
    settings = Settings(root=tmp_path)
    cold = _run(files, settings)
    assert cold[files[0]] == ["RL001:2"]
    assert counter.linted == files
    counter.reset()
    assert _run(files, settings) == cold
    assert counter.read == [] and counter.linted == []


def test_content_change_is_a_miss(tmp_path, counter):
    files = _tree(tmp_path, {"a.py": BAD, "b.py": GOOD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    counter.reset()
    Path(files[1]).write_text(BAD.replace("3", "4"))
    result = _run(files, settings)
    assert counter.linted == [files[1]]
    assert result[files[1]] == ["RL001:2"]


def test_same_size_change_with_restored_mtime_is_a_miss(tmp_path, counter):
    """mtime_ns and size alone would call this a hit; the ctime does not."""
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    counter.reset()
    Path(files[0]).write_text(BAD.replace("(3)", "(4)"))
    os.utime(files[0], (OLD, OLD))
    _run(files, settings)
    assert counter.linted == files


def test_touched_but_unchanged_file_is_hashed_not_linted(tmp_path, counter):
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    first = _run(files, settings)
    counter.reset()
    os.utime(files[0], (OLD + 10, OLD + 10))
    assert _run(files, settings) == first
    assert counter.read == files and counter.linted == []
    counter.reset()  # the new stat signature was stored: back to the fast path
    assert _run(files, settings) == first
    assert counter.read == []


def test_recently_modified_file_is_verified_by_its_digest(tmp_path, counter):
    """A file written within the timestamp tick of its read could change unseen."""
    path = tmp_path / "a.py"
    path.write_text(BAD)
    settings = Settings(root=tmp_path)
    _run([str(path)], settings)
    counter.reset()
    _run([str(path)], settings)
    assert counter.read == [str(path)] and counter.linted == []


@pytest.mark.parametrize(
    "change",
    [
        {"select": ("RL005",)},
        {"ignore": ("RL001",)},
        {"extend_select": ("RL009",)},
        {"per_file_ignores": (("a.py", ("RL001",)),)},
        {"options": {"require-recurrent": True}},
        {"options": {"fix-factor": 1e-3}},
    ],
)
def test_settings_change_is_a_miss(tmp_path, counter, change):
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    changed = settings.with_overrides(**change)
    assert cache_module.settings_key(changed) != cache_module.settings_key(settings)
    counter.reset()
    result = _run(files, changed)
    assert counter.linted == files
    if "RL001" in str(change) or "RL005" in str(change):
        assert result[files[0]] == []
    counter.reset()  # each configuration keeps its own entries
    _run(files, settings)
    assert counter.linted == []


def test_settings_key_is_stable():
    settings = Settings(root=Path("/project"))
    same = Settings(root=Path("/project"), options=dict(reversed(list(settings.options.items()))))
    assert cache_module.settings_key(settings) == cache_module.settings_key(same)


def test_version_change_is_a_miss(tmp_path, counter, monkeypatch):
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    counter.reset()
    _run(files, settings)
    assert counter.linted == files
    assert (tmp_path / CACHE_DIR_NAME / "99.0.0").is_dir()


def test_rule_source_change_is_a_miss(tmp_path, counter, monkeypatch):
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    import reglint.registry

    monkeypatch.setattr(reglint.registry, "source_digest", lambda: "edited")
    counter.reset()
    _run(files, settings)
    assert counter.linted == files


def _cache_file(root: Path) -> Path:
    (file,) = (root / CACHE_DIR_NAME).glob("*/*.json")
    return file


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all {",
        "",
        json.dumps([1, 2, 3]),
        json.dumps({"format": 1, "files": {"a.py": [None, "x", 0, [["RL001"]]]}}),
        json.dumps({"format": 1, "files": {"a.py": [[1, 2], "x"]}}),
    ],
)
def test_corrupt_cache_warns_and_gives_the_right_result(tmp_path, capsys, damage):
    files = _tree(tmp_path, {"a.py": BAD, "b.py": GOOD})
    settings = Settings(root=tmp_path)
    expected = _run(files, settings, cache=False)
    _run(files, settings)
    file = _cache_file(tmp_path)
    data = json.loads(file.read_text())
    if "RL001" in damage:  # a damaged entry under the stat signature the file really has
        data["files"]["a.py"][3] = [["RL001"]]
        damage = json.dumps(data)
    file.write_text(damage)
    capsys.readouterr()
    assert _run(files, settings) == expected
    err = capsys.readouterr().err
    if damage.startswith('{"format": 1, "files": {"a.py": [[1, 2]'):
        assert err == ""  # a malformed entry is just a miss
    else:
        assert err.count("\n") == 1 and err.startswith("reglint: warning: ")
    assert _run(files, settings) == expected  # and the cache was repaired
    assert capsys.readouterr().err == ""


def test_unwritable_cache_warns_once_and_gives_the_right_result(tmp_path, capsys):
    files = _tree(tmp_path, {"a.py": BAD, "b.py": GOOD})
    settings = Settings(root=tmp_path)
    expected = _run(files, settings, cache=False)
    (tmp_path / CACHE_DIR_NAME).write_text("a file where the cache directory should be")
    assert _run(files, settings) == expected
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the cache" in err


def test_unwritable_cache_as_a_user(tmp_path, reglint):
    """The same through the command line: exit code and output unchanged."""
    _tree(tmp_path, {"a.py": BAD})
    (tmp_path / CACHE_DIR_NAME).write_text("")
    result = reglint("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert [f["code"] for f in json.loads(result.stdout)] == ["RL001"]
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("reglint: warning:")


def test_cache_dir_is_tagged_and_ignored(tmp_path):
    files = _tree(tmp_path, {"a.py": BAD})
    _run(files, Settings(root=tmp_path))
    directory = tmp_path / CACHE_DIR_NAME
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (
        (directory / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )


def test_no_cache_and_fix_runs_leave_no_cache(tmp_path):
    files = _tree(tmp_path, {"a.py": BAD})
    settings = Settings(root=tmp_path)
    list(lint_files(files, settings, jobs=1, cache=False))
    list(lint_files(files, settings, jobs=1, fix=True, cache=True))
    assert not (tmp_path / CACHE_DIR_NAME).exists()


def test_stale_entries_and_files_are_pruned(tmp_path, monkeypatch):
    files = _tree(tmp_path, {"a.py": BAD, "b.py": GOOD})
    settings = Settings(root=tmp_path)
    _run(files, settings)
    other = tmp_path / CACHE_DIR_NAME / "0.0.1" / "old.json"
    other.parent.mkdir()
    other.write_text("{}")
    os.utime(other, (OLD, OLD))
    store = Cache.load(settings)
    assert set(store.entries) == {"a.py", "b.py"}
    store.entries["b.py"][2] -= cache_module.MAX_AGE_DAYS + 1
    store.changed = True
    store.save()
    assert set(Cache.load(settings).entries) == {"a.py"}
    assert not other.parent.exists()


def test_findings_round_trip_exactly():
    edits = (
        Edit("import keras\n", Location(1, 1), Location(1, 1)),
        Edit("Dense(3, kernel_regularizer=L2(1e-4))", Location(3, 5), Location(3, 13)),
    )
    findings = [
        Finding(
            "RL001",
            'a message with \u00e9 and "quotes"',
            "nb.ipynb",
            Location(3, 5),
            Location(3, 13),
            Fix("add it", edits, "unsafe"),
            cell=2,
            cell_location=Location(3, 5),
            fixed=True,
        ),
        Finding("RL000", "syntax error", "other.py", Location(1, 1), Location(1, 1)),
    ]
    for finding in findings:
        data = json.loads(json.dumps(finding_to_json(finding, "nb.ipynb")))
        back = finding_from_json(data, "nb.ipynb")
        assert back == finding and back.fixed == finding.fixed


FILES = {
    "ok.py": GOOD,
    "bad.py": BAD,
    "broken.py": "import keras\nkeras.layers.Dense(\n",
    "pkg/plain.py": PLAIN,
    "pkg/loop.py": "import keras\nfor i in range(3):\n    m.add_loss(lambda: i)\n",
    "nb.ipynb": json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": ["import keras\n", "keras.layers.Conv2D(3, 3)\n"],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ),
}


def test_cli_output_is_identical_with_and_without_cache(tmp_path, reglint):
    _tree(tmp_path, FILES)
    for name in range(40):  # enough files for the process pool
        _tree(tmp_path, {f"many/m{name:02d}.py": BAD if name % 3 else PLAIN})
    args = ("check", "--format", "json", "--exit-zero", ".")
    plain = reglint(*args, "--no-cache", cwd=tmp_path)
    assert not (tmp_path / CACHE_DIR_NAME).exists()
    cold = reglint(*args, cwd=tmp_path)
    warm = reglint(*args, cwd=tmp_path)
    serial = reglint(*args, "-j", "1", cwd=tmp_path)
    assert plain.returncode == cold.returncode == warm.returncode == 0
    assert json.loads(plain.stdout)  # there is something to compare
    assert plain.stdout == cold.stdout == warm.stdout == serial.stdout
    assert plain.stderr == cold.stderr == warm.stderr == ""
    text = reglint("check", "--no-cache", ".", cwd=tmp_path)
    assert reglint("check", ".", cwd=tmp_path).stdout == text.stdout


def test_clean_removes_the_cache(tmp_path, reglint):
    _tree(tmp_path, {"a.py": BAD})
    reglint("check", ".", cwd=tmp_path)
    assert (tmp_path / CACHE_DIR_NAME).is_dir()
    result = reglint("clean", cwd=tmp_path)
    assert result.returncode == 0
    assert not (tmp_path / CACHE_DIR_NAME).exists()
    assert (tmp_path / "a.py").read_text() == BAD
    assert reglint("clean", cwd=tmp_path).returncode == 0  # nothing to clean is fine


def test_files_without_keras_and_warm_runs_never_import_libcst(tmp_path):
    import subprocess
    import sys

    _tree(tmp_path, {"a.py": BAD, "plain.py": PLAIN})
    script = (
        "import sys\n"
        "from reglint.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('libcst' in sys.modules)\n"
    )
    run_reglint("check", ".", cwd=tmp_path)  # fills the cache
    for args in (["check", "--no-cache", "plain.py"], ["check", "."], ["rules"]):
        out = subprocess.run(
            [sys.executable, "-c", script, *args], cwd=tmp_path, capture_output=True, text=True
        ).stdout
        assert out.splitlines()[-1] == "False", args
