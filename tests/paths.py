"""Paths tests share (import as `from paths import REPO, SHARED`)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
# Test data copied into the project, each file with its licence beside it.
TEST_DATA = TESTS / "data"


def shared_data() -> Path | None:
    """The project's shared data folder (``shared/data`` beside the clone or its worktree), if present."""
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return None
