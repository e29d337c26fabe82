"""Runs child services in their own process groups, watches them, and stops all of them together."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Service:
    """One long-running child: its command, log file and (once started) process."""

    name: str
    command: Sequence[str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Supervisor:
    """Starts services, reports the first one that dies, and on stop() terminates every process group."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.services: list[Service] = []

    def start(self, service: Service) -> Service:
        service.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = service.log_path.open("ab")
        # A new session per child: stopping it also stops what it spawned (Airflow's workers).
        service.process = subprocess.Popen(
            list(service.command),
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.services.append(service)
        return service

    def first_dead(self) -> Service | None:
        for service in self.services:
            if service.process is not None and service.process.poll() is not None:
                return service
        return None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every group, wait, then SIGKILL what is left."""
        for service in self.services:
            self._signal(service, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in self.services:
            if service.process is None:
                continue
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.process.wait(max(0.1, deadline - time.monotonic()))
        for service in self.services:
            self._signal(service, signal.SIGKILL)  # the group may outlive its leader

    @staticmethod
    def _signal(service: Service, sig: int) -> None:
        if service.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(service.process.pid, sig)
