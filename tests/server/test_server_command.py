"""``reglint server`` as a command: the optional extra, and `check` never paying for it."""

from __future__ import annotations

import subprocess
import sys

from reglint.server.command import INSTALL_HINT


def _python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_without_pygls_one_line_and_exit_2(tmp_path):
    # sys.modules[name] = None makes `import name` raise ImportError, as if not installed
    done = _python(
        "import sys; sys.modules['pygls'] = None\nfrom reglint.cli import main\nmain(['server'])",
        tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"reglint: error: {INSTALL_HINT}"]
    assert done.stdout == ""


def test_check_imports_no_server_code(tmp_path):
    (tmp_path / "m.py").write_text("import keras\nkeras.layers.Dense(1)\n", encoding="utf-8")
    done = _python(
        "import sys\n"
        "from reglint.cli import main\n"
        "try:\n    main(['check', '--no-cache', 'm.py'])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "prefixes = ('pygls', 'lsprotocol', 'reglint.server')\n"
        "print(code, [m for m in sys.modules if m.startswith(prefixes)])",
        tmp_path,
    )
    assert done.stdout.strip().splitlines()[-1] == "1 []"
