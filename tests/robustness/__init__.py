"""Robustness suite of ``reglint check``: mutated fixtures and generated programs.

The default run is a few hundred cases; tests marked ``slow`` (CI runs them)
take thousands. The environment can change the scale and the seed:
``REGLINT_ROBUSTNESS_SEED``, ``REGLINT_ROBUSTNESS_SLOW_MUTANTS``,
``REGLINT_ROBUSTNESS_SLOW_EXAMPLES``.
"""

from __future__ import annotations

import os

#: Mutants run in-process by the default run; the CLI runs take the first of them.
DEFAULT_MUTANTS = 300
#: Mutants run in-process under the ``slow`` marker (mutant indices continue from the default).
SLOW_MUTANTS = int(os.environ.get("REGLINT_ROBUSTNESS_SLOW_MUTANTS", "3000"))
#: hypothesis examples per generated-program test: default run, and under ``slow``.
DEFAULT_EXAMPLES = 60
SLOW_EXAMPLES = int(os.environ.get("REGLINT_ROBUSTNESS_SLOW_EXAMPLES", "1000"))
#: A ``reglint`` process that runs longer than this has hung.
CLI_TIMEOUT = 60
