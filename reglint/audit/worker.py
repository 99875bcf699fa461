"""Audit Keras 2 (tf_keras) artifacts in a child process.

tf_keras needs ``TF_USE_LEGACY_KERAS=1`` before TensorFlow is first imported
(keras-facts.md, environment), which a process that already runs Keras 3 cannot
undo. The parent sends ``{"paths", "options"}`` as JSON on stdin and reads the
reports back as JSON from stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ..catalog import LEGACY_KERAS_ENV
from .loading import one_line
from .policy import AuditOptions
from .report import AuditReport

MARKER = "REGLINT-AUDIT-JSON:"


def run_worker(paths: list[str], options: AuditOptions) -> list[AuditReport]:
    env = {**os.environ, LEGACY_KERAS_ENV: "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    request = json.dumps({"paths": paths, "options": options.to_dict()})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "reglint.audit.worker"],
            input=request,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except OSError as e:
        return [
            AuditReport(p, "unknown", error=f"cannot start the tf_keras worker: {one_line(e)}")
            for p in paths
        ]
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            try:
                reports = [AuditReport.from_dict(d) for d in json.loads(line[len(MARKER) :])]
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                return [
                    AuditReport(p, "unknown", error=f"unreadable tf_keras worker reply: {e}")
                    for p in paths
                ]
            if len(reports) == len(paths):
                return reports
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return [AuditReport(p, "unknown", error=f"the tf_keras worker failed: {tail}") for p in paths]


def main() -> None:
    os.environ[LEGACY_KERAS_ENV] = "1"
    request = json.loads(sys.stdin.read())
    options = AuditOptions.from_dict(request["options"])
    from .api import audit_stored
    from .stored_config import ArtifactError, read_stored_model

    reports = []
    for p in request["paths"]:
        try:
            reports.append(audit_stored(read_stored_model(p), options))
        except ArtifactError as e:
            reports.append(AuditReport(p, "unknown", error=str(e)))
        except Exception as e:
            reports.append(AuditReport(p, "unknown", error=f"audit failed: {one_line(e)}"))
    sys.stdout.write(MARKER + json.dumps([r.to_dict() for r in reports]) + "\n")


if __name__ == "__main__":
    main()
