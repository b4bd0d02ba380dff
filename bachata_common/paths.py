"""Where the project lives: importable without the settings' pydantic and SQLAlchemy (a quarter second a process)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
