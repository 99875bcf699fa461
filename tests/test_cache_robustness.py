"""A damaged or hostile ``.reglint_cache`` costs at most one warning, never a
failure nor a different result, and nothing is written through a symlink
(issue 10, item 13)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from reglint_testing import run_as_nobody
from test_files_and_fix_io import no_hang

from reglint.cache import CACHE_DIR_NAME, Cache
from reglint.config import Settings
from reglint.runner import lint_files

BAD = "import keras\nlayer = keras.layers.Dense(3)\n"
GOOD = "import keras\nlayer = keras.layers.Dense(3, kernel_regularizer='l2')\n"
OLD = 1_600_000_000  # out of the "racily clean" window: stat signatures are stored


@pytest.fixture
def project(tmp_path: Path) -> tuple[list[str], Settings]:
    paths = []
    for name, text in {"a.py": BAD, "b.py": GOOD}.items():
        (tmp_path / name).write_text(text)
        os.utime(tmp_path / name, (OLD, OLD))
        paths.append(str(tmp_path / name))
    return paths, Settings(root=tmp_path)


def run(files: list[str], settings: Settings, cache: bool = True) -> list[tuple]:
    """Each file's findings as comparable tuples (a -j 1 run; a hang fails)."""
    with no_hang():
        return [
            (
                r.path,
                r.error,
                [(f.code, f.location.row, f.location.column, f.cell) for f in r.findings],
            )
            for r in lint_files(files, settings, jobs=1, cache=cache)
        ]


def cache_file(settings: Settings) -> Path:
    return Cache(settings).file


def entry(settings: Settings) -> list:
    return json.loads(cache_file(settings).read_text())["files"]["a.py"]


def rewrite_entry(settings: Settings, change) -> None:
    path = cache_file(settings)
    data = json.loads(path.read_text())
    change(data["files"]["a.py"])
    path.write_text(json.dumps(data))


def one_warning_at_most(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") <= 1 and (err == "" or err.startswith("reglint: warning: "))
    return err


def assert_repaired(files, settings, expected, capsys):
    assert run(files, settings) == expected
    assert capsys.readouterr().err == ""


def _set(index, value):
    def change(e):
        e[index] = value

    return change


def _set_finding(field, value):
    def change(e):
        e[3][0][field] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _set(0, 12345),  # the stat signature an int
        _set(0, [1, 2, "x", 4]),
        _set(0, [True, 2, 3, 4]),
        _set(1, 7),  # the digest an int
        _set(2, "today"),  # the day a string
        _set(3, "findings"),
        _set(3, [None]),
        _set_finding(3, None),  # a null location
        _set_finding(3, ["1", 2]),
        _set_finding(4, [1]),
        _set_finding(6, "cell 1"),  # a string cell
        _set_finding(7, {"row": 1}),
        _set_finding(8, "yes"),
        _set_finding(0, ["RL001"]),
        _set_finding(5, ["fix", "safe", [["x", None, [1, 1]]]]),
        _set_finding(5, ["fix", "maybe", []]),
        _set_finding(5, 3),
    ],
)
def test_wrong_typed_entries_are_a_miss_or_one_warning(project, capsys, change):
    files, settings = project
    expected = run(files, settings, cache=False)
    run(files, settings)
    assert entry(settings)[3]  # a.py has a finding to damage
    rewrite_entry(settings, change)
    capsys.readouterr()
    assert run(files, settings) == expected
    one_warning_at_most(capsys)
    assert_repaired(files, settings, expected, capsys)


@pytest.mark.parametrize(
    "damage",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"format": 1, "files": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001,
        b"\xff\xfe{}",
        '{"format": 1, "files": {"a.py": 3}}',
        '{"format": 1, "files": []}',
        "null",
    ],
)
def test_corrupt_cache_files_are_one_warning(project, capsys, damage):
    files, settings = project
    expected = run(files, settings, cache=False)
    run(files, settings)
    path = cache_file(settings)
    path.write_bytes(damage if isinstance(damage, bytes) else damage.encode())
    capsys.readouterr()
    assert run(files, settings) == expected
    one_warning_at_most(capsys)
    assert_repaired(files, settings, expected, capsys)


def test_the_cache_file_a_fifo_or_a_device_does_not_hang(project, capsys):
    files, settings = project
    expected = run(files, settings, cache=False)
    path = cache_file(settings)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert run(files, settings) == expected
    assert "not a regular file (a FIFO)" in one_warning_at_most(capsys)
    assert path.is_file()  # replaced by a real cache
    assert_repaired(files, settings, expected, capsys)
    path.unlink()
    os.symlink("/dev/zero", path)
    assert run(files, settings) == expected
    assert "not a regular file (a character device)" in one_warning_at_most(capsys)
    assert not path.is_symlink()


@pytest.mark.parametrize("name", [".gitignore", "CACHEDIR.TAG"])
def test_dangling_links_in_the_cache_dir_are_not_followed(project, tmp_path_factory, name, capsys):
    files, settings = project
    outside = tmp_path_factory.mktemp("outside")
    directory = Path(settings.root) / CACHE_DIR_NAME
    directory.mkdir()
    os.symlink(outside / "written", directory / name)
    expected = run(files, settings, cache=False)
    assert run(files, settings) == expected
    assert list(outside.iterdir()) == []
    assert os.path.islink(directory / name)
    assert capsys.readouterr().err == ""
    assert cache_file(settings).is_file()  # the cache itself still works


def test_a_cache_dir_that_is_a_symlink_is_not_used(project, tmp_path_factory, capsys):
    files, settings = project
    outside = tmp_path_factory.mktemp("outside")
    os.symlink(outside, Path(settings.root) / CACHE_DIR_NAME)
    expected = run(files, settings, cache=False)
    assert run(files, settings) == expected
    err = one_warning_at_most(capsys)
    assert "cannot write the cache" in err and "is a symlink" in err
    assert list(outside.iterdir()) == []


def test_a_version_dir_that_is_a_symlink_is_not_used(project, tmp_path_factory, capsys):
    files, settings = project
    outside = tmp_path_factory.mktemp("outside")
    version_dir = cache_file(settings).parent
    version_dir.parent.mkdir()
    os.symlink(outside, version_dir)
    expected = run(files, settings, cache=False)
    assert run(files, settings) == expected
    assert "is a symlink" in one_warning_at_most(capsys)
    assert list(outside.iterdir()) == []


def test_a_read_only_cache_dir_as_a_user():
    """'nobody' lints a project whose cache directory belongs to root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    directory = tempfile.mkdtemp()
    try:
        os.chmod(directory, 0o755)
        Path(directory, "a.py").write_text(BAD)
        os.mkdir(os.path.join(directory, CACHE_DIR_NAME), 0o755)
        args = ["check", "--format", "json", "-j", "1", "a.py"]
        code, out, err = run_as_nobody(directory, [*args[:-1], "--no-cache", "a.py"], args)
        assert code == 1
        assert [f["code"] for f in json.loads(out)] == ["RL001"]
        assert err.count("\n") == 1 and "cannot write the cache" in err
        assert "Permission denied" in err
    finally:
        shutil.rmtree(directory)
