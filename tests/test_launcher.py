"""`make run`'s supervisor: it stops whole process trees, notices a dead child; secrets are generated once."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from launcher.__main__ import ensure_env_file
from launcher.supervisor import Service, Supervisor

# A child that starts a grandchild (as `airflow standalone` starts its components) and records its pid.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(300)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_stop_terminates_children_and_grandchildren(tmp_path: Path) -> None:
    sup = Supervisor(dict(os.environ), tmp_path)
    pid_file = tmp_path / "grandchild.pid"
    service = sup.start(Service("tree", [sys.executable, "-c", PARENT, str(pid_file)], tmp_path / "tree.log"))
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert alive(grandchild) and service.process is not None and service.process.poll() is None
    assert sup.first_dead() is None
    sup.stop(timeout=5)
    assert service.process.poll() is not None
    for _ in range(50):
        if not alive(grandchild):
            break
        time.sleep(0.05)
    assert not alive(grandchild)


def test_a_child_that_dies_is_reported_with_its_log(tmp_path: Path) -> None:
    sup = Supervisor(dict(os.environ), tmp_path)
    code = "import sys; print('cannot bind port 8001'); sys.exit(3)"
    sup.start(Service("api", [sys.executable, "-c", code], tmp_path / "api.log"))
    for _ in range(100):
        if (dead := sup.first_dead()) is not None:
            break
        time.sleep(0.05)
    assert dead is not None and dead.name == "api" and dead.process.returncode == 3
    assert "cannot bind port 8001" in dead.tail()
    sup.stop(timeout=2)


def test_env_file_gets_strong_secrets_once(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    ensure_env_file(path)
    first = path.read_text()
    values = dict(
        line.split("=", 1) for line in first.splitlines() if "=" in line and not line.startswith("#")
    )
    assert set(values) == {"API_JWT_SECRET", "PSEUDONYM_SECRET"}
    assert (
        all(len(v) >= 32 for v in values.values()) and values["API_JWT_SECRET"] != values["PSEUDONYM_SECRET"]
    )
    assert path.stat().st_mode & 0o077 == 0
    ensure_env_file(path)
    assert path.read_text() == first
