"""gunicorn settings for `symbiose serve` and the Procfile's web process."""
import os
import sys

# Each worker is one process on one core: the embedding model's OpenMP threads would
# otherwise spin against the other workers. The OpenMP runtime (torch's, loaded with
# spaCy) reads this once, when it loads: this file must run before anything imports
# spaCy, which is why `interview_bot/__init__.py` imports nothing heavy at the top.
# Measured with `python benchmarks/interview_turns.py load`: 50 interviews on 2 workers
# took 141 s with two OpenMP threads per worker, 8 s with one.
os.environ.setdefault("OMP_NUM_THREADS", os.environ.get("SYMBIOSE_NLP_THREADS", "1"))

bind = os.environ.get("SYMBIOSE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SYMBIOSE_WORKERS", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# Preloading would share one SQLite connection across forks; each worker opens its own.
preload_app = False


def on_starting(server):
    """Refuse to start, in one line and before binding, when the settings or the vault key are wrong."""
    from interview_bot.preflight import startup_problem

    problem = startup_problem()
    if problem:
        print(f"symbiose: cannot start: {problem}", file=sys.stderr, flush=True)
        sys.exit(1)
