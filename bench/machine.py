"""The machine a report was measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench import REPO


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu: str
    memory_gib: float
    python: str
    sqlite: str
    system: str
    commit: str
    load: tuple[float, float, float]  # 1, 5 and 15-minute load averages when described
    pressure: dict[str, float]  # PSI "some" 5-minute averages (cpu, io) when described, in %


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def _proc_value(path: str, key: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), None)


def pressure() -> dict[str, float]:
    """Linux pressure stall information: the share of time some task waited for the CPU or for I/O."""
    found = {}
    for resource in ("cpu", "io"):
        try:
            some = Path(f"/proc/pressure/{resource}").read_text().splitlines()[0]
        except (OSError, IndexError):
            continue
        fields = dict(field.split("=") for field in some.split()[1:])
        found[resource] = float(fields.get("avg300", 0.0))
    return found


def describe() -> Machine:
    memory_kib = _proc_value("/proc/meminfo", "MemTotal")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    return Machine(
        cores=os.cpu_count() or 1,
        cpu=_proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        memory_gib=int(memory_kib.split()[0]) / 1024**2 if memory_kib else 0.0,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        sqlite=sqlite3.sqlite_version,
        system=platform.platform(),
        commit=commit or "unknown",
        load=load_average(),
        pressure=pressure(),
    )
