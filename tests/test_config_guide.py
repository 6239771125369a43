"""docs/configuration-as-code.md: every block marked run runs, in order, in a fresh folder, against
the built-in sandbox (the guide's promise that its commands work as shown)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docs_blocks import ROOT, shell_blocks

GUIDE = ROOT / "docs" / "configuration-as-code.md"


def test_the_configuration_as_code_guide_runs_as_written(tmp_path: Path) -> None:
    runnable = [b for b in shell_blocks(GUIDE) if b.marker == "run"]
    assert len(runnable) >= 6
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # livechat-mcp of this install
    # No pipefail: a block may cut a long answer short with `| head` on purpose.
    script = "set -eu\n" + "\n".join(b.code for b in runnable)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "it differs (exit code 1)" in done.stdout and "refused under the read-only default" in done.stdout
    assert done.stdout.rstrip().endswith("The license matches the document.")  # the seeded sandbox holds it
    assert (tmp_path / "license.json").exists() and (tmp_path / "rehearsal.json").exists()
