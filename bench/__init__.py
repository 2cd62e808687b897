"""Benchmarks of the billing platform: `python -m bench [--quick]` (or `make bench`).

Every figure is a median of several runs, and every comparison is a ratio of two things measured in
the same run (these machines are noisy). The suite generates its data, measures, and writes
docs/benchmarks.md with a plot of cost against size.

Modules: `sizes` (the full, quick and tiny presets), `lambda_env` (real handlers, real payload-2.0
events), `data` (workload generation), one module per benchmark, `profiling`, `report`.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The core is the functions' Lambda layer (shared/ → /opt/python): handlers import it as `billing`,
# and so does the bench, the way the local gateway serves them.
LAYER_DIR = REPO / "shared"
if str(LAYER_DIR) not in sys.path:
    sys.path.append(str(LAYER_DIR))
