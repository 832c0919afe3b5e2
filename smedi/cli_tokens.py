"""smedi token: signed API tokens for the OPDs (SAMAWA)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_commands(sub: argparse._SubParsersAction[Any], command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add this area's commands; `command(name, handler, help, parent)` is smedi.cli's helper."""
    del sub, command
