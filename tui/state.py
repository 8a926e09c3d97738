"""What the app remembers between sessions on this machine (not in the store, which may be
shared): small choices such as the last export format, in one JSON file under the
platformdirs user state directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "article-triage"


def state_path() -> Path:
    return platformdirs.user_state_path(APP_NAME) / "app-state.json"


def load_state(path: Path | None = None) -> dict[str, Any]:
    """The remembered choices; an absent, unreadable or foreign file is no memory at all."""
    try:
        data = json.loads((path or state_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(key: str, value: Any, path: Path | None = None) -> None:
    """Store one choice (best effort: a read-only home must not break an export)."""
    path = path or state_path()
    state = load_state(path)
    state[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        part.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(part, path)
    except OSError:
        pass
