"""Release hygiene: one version, a changelog, and artifacts that work once installed.

The fast tests read the source tree. The slow ones build the wheel and the sdist
with ``python -m build`` as a release does, install each into a clean virtualenv
(dependencies come from the configured package index) and run the installed
``reglint`` from an empty directory, so nothing is read from this checkout.

Links: a rule document ships inside the wheel (``reglint/_rule_docs``), so its
relative links must resolve there. The README is also the wheel's long
description, where no relative link can resolve; its relative links are
repository links, and they must resolve in the sdist (the repository's shipped
subset) as they do on GitHub.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

import pathspec
import pytest
from reglint_testing import ROOT

from reglint import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SDIST = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]
RULE_DOCS = "reglint/_rule_docs"
#: Files hatch adds to every sdist besides the include list.
SDIST_ALWAYS = {"PKG-INFO", "pyproject.toml", ".gitignore"}
CHANGE_TYPES = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}

_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?\s*$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MD_NAME = re.compile(r"[\w./-]+\.md\b")
_PRE_COMMIT_REV = re.compile(
    r"repo:\s*https://github\.com/reglint/reglint\s*\n\s*rev:\s*(\S+)", re.MULTILINE
)


def _prose(markdown: str) -> str:
    """Markdown without code blocks and code spans (``[T]()`` there is no link)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", markdown))


def links(markdown: str) -> list[str]:
    prose = _prose(markdown)
    return _INLINE_LINK.findall(prose) + _REFERENCE.findall(prose)


def anchors(markdown: str) -> set[str]:
    """The heading anchors GitHub generates for a Markdown file."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in _HEADING.findall(_FENCE.sub("", markdown)):
        slug = "".join(c for c in heading.lower() if c.isalnum() or c in " -_").replace(" ", "-")
        count = counts.get(slug, 0)
        counts[slug] = count + 1
        found.add(f"{slug}-{count}" if count else slug)
    return found


def broken_links(texts: dict[str, str], names: set[str]) -> list[str]:
    """Relative links in ``texts`` (path -> Markdown) whose target is not in ``names``.

    A target is a file, or a folder holding some name; an anchor into a Markdown
    file must name one of its headings. Absolute URLs are not followed.
    """
    problems = []
    folders = {str(p) for name in names for p in PurePosixPath(name).parents}
    for path, text in sorted(texts.items()):
        for link in links(text):
            if _SCHEME.match(link):
                continue
            target, _, anchor = link.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            resolved = path if not target else resolved.rstrip("/")
            if resolved not in names and resolved not in folders:
                problems.append(f"{path}: ({link}) -> {resolved} is not shipped")
            elif anchor and resolved in texts and anchor not in anchors(texts[resolved]):
                problems.append(f"{path}: ({link}) -> no heading #{anchor} in {resolved}")
    return problems


def foreign_md_names(texts: dict[str, str], shipped: set[str]) -> list[str]:
    """Mentions of ``*.md`` files (linked or not) other than the ``shipped`` ones."""
    return [
        f"{path}: mentions {name}"
        for path, text in sorted(texts.items())
        for name in _MD_NAME.findall(text)
        if PurePosixPath(name).name not in shipped
    ]


def rule_doc_texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# --- the source tree --------------------------------------------------------------------


def test_version_has_one_home() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "reglint/__init__.py"
    init = (ROOT / "reglint" / "__init__.py").read_text(encoding="utf-8")
    assert re.findall(r"^__version__ = \"(.+)\"$", init, re.MULTILINE) == [__version__]


def test_readme_pre_commit_rev_is_this_version_s_tag() -> None:
    revs = _PRE_COMMIT_REV.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert revs, "README.md has no pre-commit snippet for https://github.com/reglint/reglint"
    assert set(revs) == {f"v{__version__}"}


def test_docs_pre_commit_revs_are_this_version_or_a_placeholder() -> None:
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for rev in _PRE_COMMIT_REV.findall(doc.read_text(encoding="utf-8")):
            assert rev in (f"v{__version__}", "vX.Y.Z"), f"{doc.name}: rev: {rev}"


def test_changelog_follows_keep_a_changelog_and_has_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?\s*$", text, re.MULTILINE)
    assert releases[0] == ("Unreleased", "")
    versions = releases[1:]
    assert all(date for _, date in versions), "every release has a date"
    assert [v for v, _ in versions] == sorted(
        (v for v, _ in versions), key=_semver, reverse=True
    ), "newest release first"
    assert __version__ in dict(versions), f"CHANGELOG.md has no section for {__version__}"
    kinds = re.findall(r"^### (.+?)\s*$", text, re.MULTILINE)
    assert set(kinds) <= CHANGE_TYPES
    references = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, re.MULTILINE))
    assert set(references) == {name for name, _ in releases}
    for name, _ in versions:
        assert references[name].endswith(f"/v{name}"), references[name]
    assert references["Unreleased"].endswith(f"/v{versions[0][0]}...HEAD")


def test_readme_links_resolve_and_are_in_the_sdist_include_list() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    relative = [link for link in links(readme) if not _SCHEME.match(link)]
    assert relative, "the README links its rule documents and docs"
    shipped = set(SDIST["include"])
    for link in relative:
        target = link.partition("#")[0]
        assert (ROOT / target).exists(), f"README.md: ({link}) does not exist"
        top = PurePosixPath(target).parts[0]
        assert top in shipped, f"README.md: ({link}) is outside the sdist include list"
    texts = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    }
    assert broken_links(texts, sdist_sources()) == []


def test_rule_docs_point_only_at_rule_docs() -> None:
    """The documents ship alone in ``reglint/_rule_docs``: any other file they name is missing."""
    texts = rule_doc_texts(ROOT / "rules")
    assert broken_links(texts, set(texts)) == []
    assert foreign_md_names(texts, set(texts)) == []


def test_link_checker_catches_what_it_must() -> None:
    texts = {
        "README.md": "[a](docs/a.md#there) [b](missing.md) `[T]()` [c](https://x.org/y.md)\n",
        "docs/a.md": "# Here (`--now`)\n[up](../README.md) [d](#nowhere)\n\n[e]: ../gone.md\n",
    }
    assert broken_links(texts, set(texts)) == [
        "README.md: (docs/a.md#there) -> no heading #there in docs/a.md",
        "README.md: (missing.md) -> missing.md is not shipped",
        "docs/a.md: (#nowhere) -> no heading #nowhere in docs/a.md",
        "docs/a.md: (../gone.md) -> gone.md is not shipped",
    ]
    assert anchors(texts["docs/a.md"]) == {"here---now"}
    assert foreign_md_names({"R.md": "see keras-facts.md §2"}, {"R.md"}) == [
        "R.md: mentions keras-facts.md"
    ]


# --- the built artifacts ----------------------------------------------------------------


def _ignore_specs() -> list[tuple[PurePosixPath, pathspec.PathSpec]]:
    """The sdist excludes and the ``.gitignore`` files git reads for the include list."""
    specs = [(PurePosixPath("."), pathspec.GitIgnoreSpec.from_lines(SDIST["exclude"]))]
    ignores = [ROOT / ".gitignore"]
    ignores += [p for entry in SDIST["include"] for p in (ROOT / entry).rglob(".gitignore")]
    for ignore in ignores:
        if ignore.is_file():
            base = PurePosixPath(ignore.parent.relative_to(ROOT).as_posix())
            lines = ignore.read_text(encoding="utf-8").splitlines()
            specs.append((base, pathspec.GitIgnoreSpec.from_lines(lines)))
    return specs


def sdist_sources() -> set[str]:
    """The files below the sdist include list that git would not ignore."""
    specs = _ignore_specs()
    files = set()
    for entry in SDIST["include"]:
        top = ROOT / entry
        for path in [top] if top.is_file() else top.rglob("*"):
            rel = PurePosixPath(path.relative_to(ROOT).as_posix())
            if path.is_file() and not any(
                base in rel.parents and spec.match_file(str(rel.relative_to(base)))
                for base, spec in specs
            ):
                files.add(str(rel))
    return files


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    sources_before: set[str]
    sources_after: set[str]

    def wheel_names(self) -> set[str]:
        with zipfile.ZipFile(self.wheel) as whl:
            return set(whl.namelist())

    def wheel_text(self, name: str) -> str:
        with zipfile.ZipFile(self.wheel) as whl:
            return whl.read(name).decode("utf-8")

    def sdist_files(self) -> dict[str, tarfile.TarInfo]:
        """Members by path below the sdist's top folder ``reglint-VERSION/``."""
        with tarfile.open(self.sdist) as tar:
            members = tar.getmembers()
        top = f"reglint-{__version__}/"
        assert all(m.name.startswith(top) for m in members)
        return {m.name[len(top) :]: m for m in members if m.isfile()}

    def sdist_text(self, name: str) -> str:
        with tarfile.open(self.sdist) as tar:
            member = tar.extractfile(f"reglint-{__version__}/{name}")
            assert member is not None
            return member.read().decode("utf-8")


def run(args: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environ.update(PIP_DISABLE_PIP_VERSION_CHECK="1", **env)
    environ.pop("REGLINT_DEBUG", None)
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=900
    )


def fresh_install(root: Path, artifact: Path) -> Path:
    """A clean virtualenv (no system or project site-packages) with ``artifact`` installed."""
    venv = root / "venv"
    made = run([sys.executable, "-m", "venv", venv], cwd=root)
    assert made.returncode == 0, made.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    pip = run([bindir / "python", "-m", "pip", "install", "--quiet", artifact], cwd=root)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return bindir


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    out = tmp_path_factory.mktemp("dist")
    before = sdist_sources()
    built = run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, ROOT], out)
    assert built.returncode == 0, built.stderr[-3000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return Dist(wheels[0], sdists[0], before, sdist_sources())


@pytest.fixture(scope="module")
def wheel_bin(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_install(tmp_path_factory.mktemp("wheel-env"), dist.wheel)


@pytest.fixture(scope="module")
def sdist_bin(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_install(tmp_path_factory.mktemp("sdist-env"), dist.sdist)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working directory: no checkout, no pyproject.toml to find."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return cwd


@pytest.mark.slow
def test_artifacts_carry_the_version(dist: Dist) -> None:
    assert dist.wheel.name == f"reglint-{__version__}-py3-none-any.whl"
    assert dist.sdist.name == f"reglint-{__version__}.tar.gz"
    metadata = HeaderParser().parsestr(dist.wheel_text(f"reglint-{__version__}.dist-info/METADATA"))
    assert metadata["Version"] == __version__
    assert HeaderParser().parsestr(dist.sdist_text("PKG-INFO"))["Version"] == __version__


@pytest.mark.slow
def test_installed_wheel_runs_from_its_own_files(
    wheel_bin: Path, dist: Dist, elsewhere: Path
) -> None:
    version = run([wheel_bin / "reglint", "--version"], elsewhere)
    assert (version.returncode, version.stdout.split()[-1]) == (0, __version__)
    where = run(
        [
            wheel_bin / "python",
            "-c",
            "import reglint, reglint.ruledocs as d; print(reglint.__file__); print(d.docs_dir())",
        ],
        elsewhere,
    )
    package, docs = (Path(line) for line in where.stdout.splitlines())
    venv = wheel_bin.parent
    assert venv in package.parents and ROOT not in package.parents
    assert docs == package.parent / "_rule_docs"

    shipped = {PurePosixPath(n).stem for n in dist.wheel_names() if n.startswith(RULE_DOCS)}
    listed = run([wheel_bin / "reglint", "rules", "--all"], elsewhere)
    assert listed.returncode == 0, listed.stderr
    codes = set(re.findall(r"^(R[LA]\d{3})\s", listed.stdout, re.MULTILINE))
    assert {"RL000", "RL001", "RL010", "RA001", "RA006"} <= codes <= shipped
    table = run([wheel_bin / "reglint", "rules", "--format", "json"], elsewhere)
    assert table.returncode == 0, table.stderr
    rows = {rule["code"]: rule["name"] for rule in json.loads(table.stdout)}
    assert rows["RL001"] == "missing-kernel-regularizer"
    for code in ("RA001", "RL001"):
        shown = run([wheel_bin / "reglint", "rule", code], elsewhere)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.strip() == dist.wheel_text(f"{RULE_DOCS}/{code}.md").strip()


@pytest.mark.slow
def test_installed_wheel_lints(wheel_bin: Path, elsewhere: Path) -> None:
    (elsewhere / "train.py").write_text(
        "import keras\nlayer = keras.layers.Dense(8)\n", encoding="utf-8"
    )
    result = run([wheel_bin / "reglint", "check", "--no-cache", "train.py"], elsewhere)
    assert result.returncode == 1, result.stderr
    assert "train.py:2:9: RL001" in result.stdout


@pytest.mark.slow
def test_wheel_text_points_only_at_shipped_files(dist: Dist) -> None:
    names = dist.wheel_names()
    docs = {n: dist.wheel_text(n) for n in names if n.startswith(RULE_DOCS) and n.endswith(".md")}
    doc_names = {PurePosixPath(n).name for n in docs}
    sdist_names = set(dist.sdist_files())
    assert doc_names == {n[len("rules/") :] for n in sdist_names if n.startswith("rules/")}
    assert broken_links(docs, names) == []
    assert foreign_md_names(docs, doc_names) == []

    description = dist.wheel_text(f"reglint-{__version__}.dist-info/METADATA")
    sdist_texts = {n: dist.sdist_text(n) for n in sdist_names if n.endswith(".md")}
    long_description = {"README.md": description.split("\n\n", 1)[1]}
    assert long_description["README.md"].strip() == sdist_texts["README.md"].strip()
    assert broken_links(sdist_texts | long_description, sdist_names) == []


@pytest.mark.slow
def test_sdist_ships_the_include_list(dist: Dist) -> None:
    shipped = set(dist.sdist_files())
    assert (dist.sources_before & dist.sources_after) - shipped == set()
    assert shipped - SDIST_ALWAYS - (dist.sources_before | dist.sources_after) == set()
    for entry in SDIST["include"]:
        assert any(name == entry or name.startswith(f"{entry}/") for name in shipped), entry


@pytest.mark.slow
def test_sdist_links_resolve_inside_it(dist: Dist) -> None:
    names = set(dist.sdist_files())
    texts = {n: dist.sdist_text(n) for n in names if n.endswith(".md")}
    assert {"README.md", "CHANGELOG.md"} <= set(texts)
    assert broken_links(texts, names) == []


@pytest.mark.slow
def test_sdist_installs_and_runs(sdist_bin: Path, dist: Dist, elsewhere: Path) -> None:
    version = run([sdist_bin / "reglint", "--version"], elsewhere)
    assert (version.returncode, version.stdout.split()[-1]) == (0, __version__)
    shown = run([sdist_bin / "reglint", "rule", "RL001"], elsewhere)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == dist.sdist_text("rules/RL001.md").strip()
