"""The clients in clients/ are packages of their own (not installed in the venv): put the Python one on the path."""

from __future__ import annotations

import sys
from pathlib import Path

PYTHON_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"
if str(PYTHON_CLIENT) not in sys.path:
    sys.path.insert(0, str(PYTHON_CLIENT))
