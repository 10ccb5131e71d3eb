"""The served entry point (wsgi.py) as gunicorn imports it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_start_up_objects_are_kept_out_of_the_garbage_collectors_full_runs(tmp_path):
    env = {**os.environ, "DARI_CONFIG": "development", "DARI_INSTANCE_DIR": str(tmp_path)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'dari.db'}"
    out = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    frozen, still_tracked = int(out[0]), int(out[1])
    assert frozen > 50_000 and still_tracked < frozen / 10
