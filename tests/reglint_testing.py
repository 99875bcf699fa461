"""Helpers the CLI-level tests share."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A project at ``root`` (a ``pyproject.toml`` with ``[tool.reglint]``)
    holding ``files`` (relative path -> text); a directory of them that holds
    Python files is a package (``__init__.py``). Returns ``root``."""
    (root / "pyproject.toml").write_text("[tool.reglint]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        init = path.parent / "__init__.py"
        if path.parent != root and not init.exists():
            init.write_text("")
        path.write_text(text)
    return root


def run_reglint(*args: str, cwd: Path | str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the real ``reglint`` command in a subprocess, as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REGLINT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "reglint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def run_as_nobody(directory: str, warm_up: list[str], args: list[str]) -> tuple[int, str, str]:
    """Run ``reglint`` in a forked child that has dropped root's privileges
    (root writes every file). ``warm_up`` runs first, as root, to import what
    the command needs ('nobody' cannot read root's Python installation); it
    must write nothing. Returns (exit code, stdout, stderr)."""
    from reglint.cli import main

    out_path, err_path = os.path.join(directory, ".out"), os.path.join(directory, ".err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 70
            try:
                os.chdir(directory)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - pytest captures sys.*
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                with contextlib.suppress(SystemExit):
                    main(warm_up, standalone_mode=False)
                sys.stdout.flush()
                sys.stderr.flush()
                for fd in (1, 2):
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, 0)
                os.setgid(65534)
                os.setuid(65534)
                rv = main(args, standalone_mode=False)
                code = rv if isinstance(rv, int) else 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    with open(out_path) as out, open(err_path) as err:
        return os.waitstatus_to_exitcode(status), out.read(), err.read()
