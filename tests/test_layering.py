"""The core never imports the UI: store/ must work without Textual."""

import ast
import subprocess
import sys
from pathlib import Path

STORE = Path(__file__).resolve().parents[1] / "store"


def test_store_sources_import_no_ui():
    offenders = []
    for path in STORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in ("textual", "rich") or n.startswith("article_triage.tui")
            ]
    assert offenders == []


def test_importing_every_store_module_loads_no_textual():
    modules = sorted(
        "article_triage."
        + ".".join(p.relative_to(STORE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in STORE.rglob("*.py")
    )
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('article_triage.tui')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=STORE.parent
    )
    assert out.stdout.strip() == "[]"
