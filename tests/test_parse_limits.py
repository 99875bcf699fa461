"""What reaches libcst is what CPython parses, within reglint.limits: nesting
and size that crash or exhaust libcst's native parser are findings, never a
signal, a hang or an internal error; a crashed worker costs only its file."""

from __future__ import annotations

import json

import pytest
from reglint_testing import run_reglint

from reglint import limits
from reglint.config import Settings
from reglint.engine import lint_source, python_tree
from reglint.findings import Finding
from reglint.fixes import fix_source

LAYER = "keras.layers.Dense(3)"


def codes(source: str) -> list[tuple[str, int, str]]:
    return [(f.code, f.location.row, f.message) for f in lint_source(source, "t.py")]


def keras_module(line: str) -> str:
    return f"import keras\n{line}\nz = keras.layers.Dense(4)\n"


# Each a chain CPython accepts or rejects at some depth; {} is where a layer goes.
CHAINS = {
    "brackets": lambda n: "y = " + "[" * n + "{}" + "]" * n,
    "calls": lambda n: "y = " + "f(" * n + "{}" + ")" * n,
    "unary": lambda n: "y = " + "-" * n + "{}",
    "conditional": lambda n: "y = " + "1 if 1 else " * n + "{}",
    "lambdas": lambda n: "y = " + "lambda: " * n + "{}",
    "sum": lambda n: "y = " + "{}" + "+1" * n,
    "attributes": lambda n: "y = {}" + ".b" * n,
    "subscripts": lambda n: "y = " + "a[" * n + "{}" + "]" * n,
    "dicts": lambda n: "y = " + "{{1:" * n + "{}" + "}}" * n,
    "ifs": lambda n: "".join(" " * i + "if x:\n" for i in range(n)) + " " * n + "y = {}",
}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("y = " + "(" * 2000 + "1" + ")" * 2000, "too many nested parentheses"),
        ("y = " + "[" * 1000 + "1" + "]" * 1000, "too many nested parentheses"),
        ("y = " + "[" * 250 + "1" + "]" * 250, "too many nested parentheses"),
        ("y = " + "-" * 10_000 + "1", "too deeply nested to analyze"),
        ("y = " + "1 if 1 else " * 10_000 + "1", "too deeply nested to analyze"),
        ("y = " + "+".join(["1"] * 10_000), "too deeply nested to analyze"),
        ("y = a" + ".b" * 10_000, "too deeply nested to analyze"),
        ('x = "a" b"b"', "cannot mix bytes and nonbytes literals"),
        ("def f[T](): ...", "syntax error"),  # 3.11: a SyntaxError; 3.12: fine
        ('s = "\\N{BOGUS}"', "unknown Unicode character name"),
    ],
    ids=[
        "2000-parens",
        "1000-brackets",
        "250-brackets",
        "10000-unary",
        "10000-conditional",
        "10000-additions",
        "10000-attributes",
        "bytes-and-str",
        "pep695",
        "bad-N-escape",
    ],
)
def test_what_python_rejects_or_the_limits_refuse_is_one_rl000(line, message):
    import sys

    if line.startswith("def f[T]") and sys.version_info >= (3, 12):
        pytest.skip("type parameters are Python 3.12 syntax")
    found = codes(keras_module(line))
    assert [code for code, _, _ in found] == ["RL000"]
    assert found[0][1] == (1 if "nested to analyze" in message else 2)
    assert message in found[0][2]


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_at_the_depth_bound_every_pass_works_and_one_more_level_is_refused(kind):
    """The deepest chain the bound admits is linted completely (libcst, the
    walk, names, positions and fixes), with a layer at its bottom; one more
    level is a finding that names the bound."""
    chain = CHAINS[kind]

    def source(n: int) -> str:
        return keras_module(chain(n).format(LAYER))

    low, high = 1, 400
    while low < high:  # the deepest chain CPython and the bound admit
        mid = (low + high + 1) // 2
        if isinstance(python_tree(source(mid), "t.py"), Finding):
            high = mid - 1
        else:
            low = mid
    assert low >= limits.MAX_DEPTH // 2 - 5
    text = source(low)
    found = lint_source(text, "t.py")
    lines = text.splitlines()
    layer_row = next(i for i, line in enumerate(lines, 1) if LAYER in line)
    assert [(f.code, f.location.row) for f in found] == [
        ("RL001", layer_row),
        ("RL001", layer_row + 1),
    ]
    first = found[0]
    assert lines[layer_row - 1][first.location.column - 1 :].startswith(LAYER)
    refused = lint_source(source(low + 1), "t.py")
    assert [f.code for f in refused] == ["RL000"]
    assert f"depth > {limits.MAX_DEPTH}" in refused[0].message


def test_the_deepest_redundant_parentheses_python_accepts_are_linted():
    text = keras_module("y = " + "(" * 199 + LAYER + ")" * 199)
    assert [(f.code, f.location.row, f.location.column) for f in lint_source(text, "t.py")] == [
        ("RL001", 2, 204),
        ("RL001", 3, 5),
    ]


def test_a_heavy_file_is_refused_before_libcst_and_says_why():
    line = "y{} = " + "[" * 60 + "1" + "]" * 60
    heavy = "import keras\n" + "\n".join(line.format(i) for i in range(400)) + "\n" + LAYER + "\n"
    found = lint_source(heavy, "t.py")
    assert [(f.code, f.location.row) for f in found] == [("RL000", 1)]
    assert f"expression weight > {limits.MAX_WEIGHT:,}" in found[0].message


def test_many_redundant_parentheses_are_weighed_by_the_tokenizer():
    line = "y = " + "(" * 199 + "1" + ")" * 199
    text = "import keras\n" + "\n".join([line] * 60) + "\n" + LAYER + "\n"
    assert [f.code for f in lint_source(text, "t.py")] == ["RL000"]


def test_a_file_with_too_many_nodes_is_refused():
    per_line = 9  # Assign, Name, Call, Attribute x2, Name, Constant, Store, Load ...
    lines = limits.MAX_NODES // per_line + 10
    text = "import keras\n" + "".join(f"l{i} = keras.layers.Dense(3)\n" for i in range(lines))
    found = lint_source(text, "t.py")
    assert [f.code for f in found] == ["RL000"]
    assert f"more than {limits.MAX_NODES:,} syntax nodes" in found[0].message


@pytest.mark.slow
def test_comments_do_not_count_against_the_size_bound_code_does():
    comments = "# " + "x" * 98 + "\n"
    text = "import keras\n" + comments * (limits.MAX_CODE_CHARS // 100 + 10) + LAYER + "\n"
    assert [f.code for f in lint_source(text, "t.py")] == ["RL001"]
    code = "import keras\n" + "x = 1\n" * (limits.MAX_CODE_CHARS // 6 + 10) + LAYER + "\n"
    found = lint_source(code, "t.py")
    assert [f.code for f in found] == ["RL000"]
    assert "characters of code" in found[0].message


def test_findings_per_rule_are_capped_with_a_note_that_counts_the_rest():
    n = limits.MAX_FINDINGS_PER_RULE + 25
    text = "import keras\n" + "".join(f"l{i} = keras.layers.Dense(3)\n" for i in range(n))
    text += "x = keras.layers.Dense(3)  # noqa: RL001\n"
    found = lint_source(text, "t.py")
    assert len(found) == limits.MAX_FINDINGS_PER_RULE + 1
    assert all(f.code == "RL001" for f in found)
    note = found[-1]
    assert note.location.row == limits.MAX_FINDINGS_PER_RULE + 2  # the first not reported
    assert note.message.startswith("25 more RL001 findings in this file not reported")
    assert note.fix is None
    rows = [f.location.row for f in found[:-1]]
    assert rows == list(range(2, limits.MAX_FINDINGS_PER_RULE + 2))


def test_add_noqa_skips_files_python_rejects_and_plain_check_reports_them(tmp_path):
    rejected = {
        "mix.py": keras_module('x = "a" b"b"'),
        "bogus.py": keras_module('s = "\\N{BOGUS}"'),
        "deep.py": keras_module("y = " + "-" * 10_000 + "1"),
    }
    for name, text in rejected.items():
        (tmp_path / name).write_text(text)
    check = run_reglint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    assert sorted((f["filename"], f["code"]) for f in json.loads(check.stdout)) == sorted(
        (name, "RL000") for name in rejected
    )
    result = run_reglint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr and "Added 0 noqa" in result.stderr
    for name, text in rejected.items():
        assert (tmp_path / name).read_text() == text


@pytest.mark.slow
def test_a_worker_that_crashes_costs_only_its_file(tmp_path, monkeypatch):
    """A real SIGSEGV in a worker (a test-only hook): the run reports that
    file as crashed and every other file's findings, in complete JSON."""
    from reglint.runner import CRASH_TEST_VARIABLE

    for i in range(24):
        (tmp_path / f"f{i:02}.py").write_text(f"import keras\nx{i} = keras.layers.Dense(3)\n")
    monkeypatch.setenv(CRASH_TEST_VARIABLE, "f07.py")
    result = run_reglint("check", "--no-cache", "-j", "2", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "reglint: error: f07.py: analysis crashed (signal 11)"
    findings = json.loads(result.stdout)
    assert sorted(f["filename"] for f in findings) == [f"f{i:02}.py" for i in range(24) if i != 7]


def test_deeper_in_libcst_than_in_python_is_one_rl000_not_a_crash():
    # 1,000 implicitly concatenated strings: one node to Python, a chain of 1,000 to libcst.
    strings = " ".join(['"a"'] * 1000)
    # Code is generated again only for the statements that hold a finding: a
    # finding elsewhere is reported; one that needs the deep statement is RL000.
    source = f"from keras import layers\ny = {strings}\nlayers.Dense(3)\n"
    assert [c[:2] for c in codes(source)] == [("RL001", 3)]
    source = f"from keras import layers\ny = [{strings}, layers.Dense(3)]\n"
    assert codes(source) == [("RL000", 1, "file too deeply nested to analyze")]


def test_a_form_feed_in_indentation_gets_no_fix_and_fix_never_breaks_a_file():
    # libcst drops the form feed, so its columns on the next lines are one too far right.
    source = (
        "from keras import layers\nfrom keras import regularizers\n\n\ndef f():\n"
        "\x0c    m = 1\n    layers.Dense(1, kernel_regularizer=regularizers.l2(l=0.01))\n"
    )
    findings = lint_source(source, "ff.py")
    assert [f.code for f in findings] == ["RL004"]
    assert findings[0].fix is None
    new, fixed = fix_source(source, "ff.py", Settings())
    assert (new, fixed) == (source, [])


def test_a_fix_round_that_would_break_compiling_code_is_dropped(monkeypatch):
    from reglint import fixes
    from reglint.findings import Edit, Fix, Location

    source = "x = 1\n"
    broken = Finding(
        "RL004", "m", "x.py", Location(1, 1), Location(1, 2),
        Fix("break it", (Edit("x = (", Location(1, 1), Location(1, 6)),)),
    )  # fmt: skip
    monkeypatch.setattr("reglint.engine.lint_source", lambda *a, **k: [broken])
    assert fixes.fix_source(source, "x.py", Settings()) == (source, [])
