"""The house of each rule (docs/adding-a-rule.md): a package whose ``__init__``
says what the rule is without libcst, beside ``rule.py``, its check and examples."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from reglint.config import DEFAULT_OPTIONS, RULE_OPTIONS
from reglint.registry import rule_infos
from reglint.rules import ALL_RULES, rule_packages

RULES_DIR = Path(__file__).resolve().parent.parent / "reglint" / "rules"
CODES = list(rule_infos())


def test_every_rule_is_a_package_with_its_check():
    assert [p.name for p in sorted(RULES_DIR.glob("rl*.py"))] == []
    packages = [p.rsplit(".", 1)[1] for p in rule_packages()]
    assert packages == sorted(p.name for p in RULES_DIR.glob("rl*") if p.is_dir())
    for name in packages:
        assert (RULES_DIR / name / "__init__.py").is_file()
        assert (RULES_DIR / name / "rule.py").is_file()
    assert CODES == list(ALL_RULES) == [f"RL{n:03d}" for n in range(len(CODES))]


def test_reading_every_rule_imports_no_libcst():
    script = (
        "import sys\n"
        "from reglint.registry import rule_infos\n"
        "from reglint.candidates import facts, may_fire\n"
        "import ast\n"
        "tree = ast.parse('import keras\\nkeras.layers.Dense(3)\\n')\n"
        "for info in rule_infos().values():\n"
        "    may_fire(info.candidates, tree, facts(tree), {})\n"
        "print(len(rule_infos()), 'libcst' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.split() == [str(len(CODES)), "False"], out.stderr


@pytest.mark.parametrize("code", CODES)
def test_the_check_is_what_its_package_says(code):
    info, check = rule_infos()[code], ALL_RULES[code]
    [package] = [p for p in rule_packages() if importlib.import_module(p).INFO is info]
    assert check.info is info
    assert check.__module__ == f"{package}.rule"
    for field in fields(info):
        assert getattr(check, field.name) == getattr(info, field.name), field.name
    fixes = any(example.expected_fix for example in check.INVALID)
    assert info.fixable == fixes, "INFO.fixable must say whether an example is fixed"


@pytest.mark.parametrize("code", CODES)
def test_the_ast_stage_lives_with_its_rule_or_is_shared(code):
    """A stage is defined in the rule's package, or in reglint.candidates when
    several rules share it (RL002 and RL003)."""
    stage = rule_infos()[code].candidates
    if stage is None:
        return
    package = ALL_RULES[code].__module__.rsplit(".", 1)[0]
    if stage.__module__ == "reglint.candidates":
        sharing = [c for c, i in rule_infos().items() if i.candidates is stage]
        assert len(sharing) > 1, f"{stage.__name__} serves only {code}: move it to {package}"
    else:
        assert stage.__module__ == package


def test_each_rule_option_is_declared_by_the_rules_that_read_it():
    declared = {name for info in rule_infos().values() for name in info.option_names}
    assert declared == set(RULE_OPTIONS)
    assert set(RULE_OPTIONS) <= set(DEFAULT_OPTIONS)
    for code, check in ALL_RULES.items():
        source = Path(importlib.import_module(check.__module__).__file__).read_text()
        read = {
            node.args[0].value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in RULE_OPTIONS
        }
        assert read <= set(check.info.option_names), f"{code} reads {read} undeclared"
