"""Shared fixtures: the seed documents and their answer keys, read from ../shared/."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
EXPECTED = SEEDS / "expected"
REFERENCE = SHARED / "reference"

SEED_IDS = {
    "000": "000_20990102f340c8e4",
    "001": "001_199027a4c7dc3eab",
    "002": "002_41331f3159c0efad",
    "003": "003_daa269ee98b7d441",
    "004": "004_42fe56f31f49f8ee",
}


def _require_seeds() -> None:
    if not SEEDS.is_dir():
        pytest.skip(
            f"seed documents not found at {SEEDS} (the shared/ folder is absent)",
            allow_module_level=True,
        )


@pytest.fixture
def seeds_dir() -> Path:
    """The folder of the five seed documents."""
    _require_seeds()
    return SEEDS


def seed_path(short: str) -> Path:
    """The path of a seed by its number ("000"…"004"); skips when shared/ is absent."""
    _require_seeds()
    return SEEDS / f"{SEED_IDS[short]}.txt"


def answer_key(short: str) -> dict:
    """The answer key of a seed, as written in shared/seeds/expected/."""
    _require_seeds()
    return yaml.safe_load((EXPECTED / f"{SEED_IDS[short]}.yaml").read_text(encoding="utf-8"))
