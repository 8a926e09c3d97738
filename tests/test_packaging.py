"""One import package on install: article_triage, mapped onto store/ and tui/."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from conftest import REPO


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        "article_triage." + ".".join(init.parent.relative_to(REPO).parts)
        for top in ("store", "tui")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert on_disk == listed


def test_no_generic_top_level_package_is_importable(tmp_path):
    # Run outside the checkout: `python -m pytest` puts the repository root on sys.path.
    code = (
        "import importlib.util as u;"
        "print(u.find_spec('article_triage.store') is not None,"
        " u.find_spec('store'), u.find_spec('tui'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.split() == ["True", "None", "None"]


def _blas_threads_after_store_import(env_value: str | None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    code = (
        "import os, article_triage.store.db, numpy;"  # sqlite-utils imports numpy
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


def test_numpy_starts_no_blas_thread_pool_unless_the_user_asks():
    # OpenBLAS's pool spins on every core from numpy's import on; nothing here calls BLAS.
    assert _blas_threads_after_store_import(None) == "1"
    assert _blas_threads_after_store_import("4") == "4"
