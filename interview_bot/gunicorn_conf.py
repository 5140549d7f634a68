"""gunicorn settings for `symbiose serve` and the Procfile's web process."""
import os

bind = os.environ.get("SYMBIOSE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SYMBIOSE_WORKERS", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# Preloading would share one SQLite connection across forks; each worker opens its own.
preload_app = False
