"""NLI scoring: the `NliScorer` protocol and `HfNliScorer`.

`HfNliScorer` follows the transformers-pipelines pattern: `preprocess`
(tokenize), `forward` (the model call, the only code that touches a device) and
`postprocess` (logits to `NliScores`). torch and transformers are imported
lazily, inside the loader, so importing the engine stays cheap.

Pairs are ``(premise, hypothesis) = (evidence, claim)``; only the premise is
truncated. Label ids come from the model config, never from an assumed order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from verification.engine.errors import LabelMappingError, ModelLoadError
from verification.engine.types import NliScores

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

NliPair = tuple[str, str]
"""``(premise, hypothesis)``: the evidence passage, then the claim."""

_ENTAILMENT_NAMES = frozenset(
    {"entailment", "entail", "entails", "entailed", "supports", "support", "supported"}
)
_NEUTRAL_NAMES = frozenset(
    {"neutral", "not_enough_info", "not_enough_information", "nei", "not_enough_evidence"}
)
_CONTRADICTION_NAMES = frozenset(
    {"contradiction", "contradict", "contradicts", "contradicted", "refutes", "refute", "refuted"}
)
_NOT_ENTAILMENT_NAMES = frozenset(
    {"not_entailment", "non_entailment", "not_entailed", "non_entailed", "not_entail"}
)

CALIBRATION_FILE = "calibration.json"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


class NliScorer(Protocol):
    """Anything that turns (premise, hypothesis) pairs into NLI probabilities."""

    @property
    def model_version(self) -> str:
        """Identifies the weights (and calibration) that produced the scores."""
        ...

    def score(self, pairs: Sequence[NliPair]) -> list[NliScores]:
        """Score every pair; the result is in the same order as ``pairs``."""
        ...


LabelKind = Literal["entailment", "neutral", "contradiction", "not_entailment"]


@dataclass(frozen=True, slots=True)
class LabelMapping:
    """Which logit index holds which NLI class. Indices absent from the model are None."""

    entailment: int
    neutral: int | None
    contradiction: int | None
    not_entailment: int | None
    num_labels: int


def normalise_label_name(name: str) -> str:
    """``"Not-Entailment"`` -> ``"not_entailment"``: lower case, separators to ``_``."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def label_mapping_from_config(id2label: dict[int, str]) -> LabelMapping:
    """Find the entailment / neutral / contradiction indices in a config's ``id2label``.

    Names are matched case-insensitively and across common variants
    (``entailment``/``entail``/``SUPPORTS``, ``neutral``/``NOT_ENOUGH_INFO``,
    ``contradiction``/``REFUTES``, ``not_entailment``).

    Args:
        id2label: the model config's ``id2label`` mapping.

    Returns:
        The index of each class the model has.

    Raises:
        LabelMappingError: no entailment label, or a name that matches no class.

    Example:
        >>> mapping = label_mapping_from_config({0: "CONTRADICTION", 1: "neutral", 2: "entail"})
        >>> mapping.entailment
        2
    """
    found: dict[LabelKind, int] = {}
    unknown: list[str] = []
    for index, raw_name in sorted(id2label.items()):
        name = normalise_label_name(str(raw_name))
        kind: LabelKind | None = None
        if name in _ENTAILMENT_NAMES:
            kind = "entailment"
        elif name in _NEUTRAL_NAMES:
            kind = "neutral"
        elif name in _CONTRADICTION_NAMES:
            kind = "contradiction"
        elif name in _NOT_ENTAILMENT_NAMES:
            kind = "not_entailment"
        if kind is None:
            unknown.append(str(raw_name))
        elif kind in found:
            raise LabelMappingError(
                f"model config id2label names {kind!r} twice ({id2label}); fix the config's "
                "id2label/label2id so each class appears once"
            )
        else:
            found[kind] = int(index)
    labels = ", ".join(str(v) for _, v in sorted(id2label.items()))
    if "entailment" not in found:
        raise LabelMappingError(
            f"model config label2id has no entailment label (found: {labels}); point "
            "SMARTNOTES_NLI_MODEL at an NLI model, or set id2label/label2id in its config.json "
            "to names such as entailment/neutral/contradiction"
        )
    if unknown:
        raise LabelMappingError(
            f"model config has labels the engine cannot interpret: {unknown} (all: {labels}); "
            "rename them in config.json to entailment/neutral/contradiction/not_entailment"
        )
    return LabelMapping(
        entailment=found["entailment"],
        neutral=found.get("neutral"),
        contradiction=found.get("contradiction"),
        not_entailment=found.get("not_entailment"),
        num_labels=len(id2label),
    )


def probabilities_to_scores(probs: Sequence[float], mapping: LabelMapping) -> NliScores:
    """Map one row of class probabilities onto ``NliScores``.

    Two-class ``entailment`` vs ``not_entailment`` models cannot tell neutral
    from contradiction, so the ``not_entailment`` mass is reported as neutral and
    contradiction is 0: such a model never produces a CONTRADICTED verdict.
    """
    entailment = probs[mapping.entailment]
    contradiction = probs[mapping.contradiction] if mapping.contradiction is not None else 0.0
    neutral = probs[mapping.neutral] if mapping.neutral is not None else 0.0
    if mapping.not_entailment is not None:
        neutral += probs[mapping.not_entailment]
    total = entailment + neutral + contradiction
    if total <= 0.0:
        return NliScores(entailment=0.0, neutral=1.0, contradiction=0.0)
    return NliScores(
        entailment=min(1.0, entailment / total),
        neutral=min(1.0, neutral / total),
        contradiction=min(1.0, contradiction / total),
    )


def read_temperature(model_dir: Path) -> float:
    """Temperature from ``<model_dir>/calibration.json`` (``{"temperature": 1.3}``), else 1.0.

    Raises:
        ModelLoadError: the file exists but is not valid JSON or holds a
            non-positive temperature.
    """
    path = model_dir / CALIBRATION_FILE
    if not path.is_file():
        return 1.0
    try:
        temperature = float(json.loads(path.read_text(encoding="utf-8"))["temperature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{path} is not a valid calibration file ({exc!r}); write "
            '{"temperature": <positive float>} or delete the file'
        ) from exc
    if not math.isfinite(temperature) or temperature <= 0.0:
        raise ModelLoadError(
            f"{path} has temperature={temperature}; it must be a positive finite number"
        )
    return temperature


def read_cpu_int8(model_dir: Path) -> bool:
    """Whether ``calibration.json`` approves int8 CPU inference for this model."""
    path = model_dir / CALIBRATION_FILE
    if not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("cpu_int8", False))
    except (ValueError, AttributeError):
        return False  # read_temperature reports a broken file


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the linear layers (weights int8, activations
    quantized per batch): about 1.5x faster on AVX2 CPUs for MiniLM-sized models."""
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao's eager quantization is marked for migration to torchao; it still
        # ships and works in the pinned torch, and needs no extra dependency.
        warnings.simplefilter("ignore")
        quantize = torch.ao.quantization.quantize_dynamic
        return quantize(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]


def cpu_supports_bf16() -> bool:
    """Whether this CPU has native bfloat16 matrix instructions (AVX-512 BF16 or AMX).

    Without them bf16 is emulated and slower than float32."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    for name in checks:
        check = getattr(torch.cpu, name, None)
        if check is not None and check():
            return True
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def weights_fingerprint(model_dir: Path) -> str:
    """Short sha256 over the weight files (and calibration) of a model directory."""
    digest = hashlib.sha256()
    files = sorted(p for p in model_dir.iterdir() if p.suffix in _WEIGHT_SUFFIXES)
    files += [model_dir / CALIBRATION_FILE] if (model_dir / CALIBRATION_FILE).is_file() else []
    for path in files:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def _is_gpu_failure(exc: BaseException) -> bool:
    """CUDA OOM or a CUDA runtime error, as opposed to a bug in the inputs."""
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        marker in text for marker in ("cuda", "cublas", "cudnn", "out of memory", "nccl")
    )


class HfNliScorer:
    """Any Hugging Face sequence-classification NLI model, by local path or hub id.

    Args:
        model_path: a local model directory (HF layout), or a hub id when
            ``allow_download`` is true on a machine that can reach a hub.
        device: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``
            or ``"cuda:N"``.
        batch_size: pairs per forward pass; default 128 on CUDA, 32 on CPU (see docs/benchmarks.md).
        max_length: token limit per pair; the premise is truncated, never the claim.
        num_threads: CPU threads for torch (default: all cores). Ignored on CUDA.
        allow_download: allow a hub id; off by default so nothing is fetched.
        cpu_int8: on CPU, quantize the linear layers to int8 (dynamic
            quantization). ``None`` follows the model directory's
            ``calibration.json`` (``"cpu_int8": true`` is written only after the
            int8 model was evaluated against the float one; see the model card).
        cpu_dtype: ``"auto"`` runs bfloat16 weights on CPUs with native bf16
            instructions (about twice the float32 rate; the quality benchmark
            showed no loss) and float32 elsewhere; ``"bf16"`` or ``"fp32"``
            force one. Chosen once at load; ``precision`` says which.

    Raises:
        ModelLoadError: the path does not exist or the weights cannot be loaded.
        LabelMappingError: the config has no entailment label.

    Example:
        >>> scorer = HfNliScorer("models/smartnotes-nli-minilm-l6")  # doctest: +SKIP
        >>> scorer.score([("Plants need light.", "Light is needed by plants.")])  # doctest: +SKIP
        [NliScores(entailment=0.97, neutral=0.02, contradiction=0.01)]
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        device: str = "auto",
        batch_size: int | None = None,
        max_length: int = 256,
        num_threads: int | None = None,
        allow_download: bool = False,
        cpu_int8: bool | None = None,
        cpu_dtype: Literal["auto", "bf16", "fp32"] = "auto",
    ) -> None:
        self.model_path = str(model_path)
        self.cpu_dtype = cpu_dtype
        self.max_length = max_length
        self.gpu_fallbacks = 0
        """Times a GPU failure sent the job to CPU; the glue exports it as a metric."""
        self.cpu_int8 = cpu_int8
        self._load(device, num_threads, allow_download)
        self.batch_size = batch_size or (128 if self.device.startswith("cuda") else 32)

    def _load(self, device: str, num_threads: int | None, allow_download: bool) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        local_dir = Path(self.model_path).expanduser()
        is_local = local_dir.is_dir()
        if not is_local and not allow_download:
            raise ModelLoadError(
                f"NLI model directory {self.model_path!r} does not exist; set "
                "SMARTNOTES_NLI_MODEL to a local Hugging Face model directory "
                "(config.json, tokenizer files, weights), e.g. models/smartnotes-nli-minilm-l6"
            )
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ModelLoadError(
                f"device={device!r} was requested but torch sees no CUDA device; "
                'use device="auto" or "cpu"'
            )
        self.device = device
        if device == "cpu":
            torch.set_num_threads(num_threads or os.cpu_count() or 1)
        source = str(local_dir) if is_local else self.model_path
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=is_local)
            model = AutoModelForSequenceClassification.from_pretrained(
                source, local_files_only=is_local
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"could not load an NLI model from {source!r}: {exc}; check that the directory "
                "holds config.json, tokenizer files and model weights"
            ) from exc
        self.label_mapping = label_mapping_from_config(dict(model.config.id2label))
        self.temperature = read_temperature(local_dir) if is_local else 1.0
        if self.cpu_int8 is None:
            self.cpu_int8 = read_cpu_int8(local_dir) if is_local else False
        model.eval()
        if device.startswith("cuda"):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            model = model.to(device=device, dtype=dtype)
        elif not self.cpu_int8 and self._cpu_bf16():
            model = model.to(dtype=torch.bfloat16)
        self.model = quantize_int8(model) if device == "cpu" and self.cpu_int8 else model
        if is_local:
            version = f"{local_dir.resolve().name}@{weights_fingerprint(local_dir)}"
        else:
            commit = getattr(model.config, "_commit_hash", None) or "unknown"
            version = f"{self.model_path}@{str(commit)[:12]}"
        self._base_version = version
        logger.info(
            "verification.nli.loaded",
            extra={
                "model_version": self.model_version,
                "device": device,
                "temperature": self.temperature,
            },
        )

    def _cpu_bf16(self) -> bool:
        if self.cpu_dtype == "bf16":
            return True
        return self.cpu_dtype == "auto" and cpu_supports_bf16()

    @property
    def precision(self) -> str:
        """What the weights run in: ``bf16``, ``fp16``, ``fp32`` or ``int8``."""
        if self.device == "cpu" and self.cpu_int8:
            return "int8"
        return {"torch.bfloat16": "bf16", "torch.float16": "fp16"}.get(
            str(self.model.dtype), "fp32"
        )

    @property
    def model_version(self) -> str:
        """``<directory name>@<12 hex chars of the weights' sha256>``, plus ``+int8`` or
        ``+bf16`` while a quantized or bfloat16 CPU model scores (its probabilities
        differ slightly, so cached results of each are kept apart)."""
        if self.device != "cpu" or self.precision == "fp32":
            return self._base_version
        return f"{self._base_version}+{self.precision}"

    def score(self, pairs: Sequence[NliPair]) -> list[NliScores]:
        """Score (premise, hypothesis) pairs in length-sorted batches.

        Args:
            pairs: ``(evidence, claim)`` tuples.

        Returns:
            One `NliScores` per pair, in input order.

        Raises:
            RuntimeError: a model error that is not a GPU failure. GPU failures
                (CUDA errors, out of memory) move the model to CPU, are logged as
                ``verification.nli.gpu_fallback``, counted in ``gpu_fallbacks``,
                and the job finishes on CPU.
        """
        results: list[NliScores | None] = [None] * len(pairs)
        for indices, encoded in self.preprocess(pairs):
            logits = self._forward_with_fallback(encoded)
            for index, scores in zip(indices, self.postprocess(logits), strict=True):
                results[index] = scores
        return [r for r in results if r is not None]

    def preprocess(self, pairs: Sequence[NliPair]) -> list[tuple[list[int], Any]]:
        """Tokenize pairs into padded batches, shortest first, with their input indices."""
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        batches = []
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            premises = [pairs[i][0] for i in indices]
            hypotheses = [pairs[i][1] for i in indices]
            batches.append((indices, self._tokenize(premises, hypotheses)))
        return batches

    def _tokenize(self, premises: list[str], hypotheses: list[str]) -> Any:
        kwargs = {"padding": True, "max_length": self.max_length, "return_tensors": "pt"}
        try:
            return self.tokenizer(premises, hypotheses, truncation="only_first", **kwargs)
        except Exception as exc:
            # A hypothesis longer than max_length cannot be fitted by cutting the
            # premise alone; cut both rather than fail the whole submission.
            logger.warning("verification.nli.truncate_both", extra={"error": str(exc)})
            return self.tokenizer(premises, hypotheses, truncation="longest_first", **kwargs)

    def forward(self, encoded: Any) -> torch.Tensor:
        """Run the model on one tokenized batch; returns float32 logits on CPU."""
        import torch

        inputs = {key: value.to(self.device) for key, value in encoded.items()}
        with torch.inference_mode():
            logits = self.model(**inputs).logits
        result: torch.Tensor = logits.float().cpu()
        return result

    def postprocess(self, logits: torch.Tensor) -> list[NliScores]:
        """Apply the calibration temperature and softmax, map classes to `NliScores`."""
        probs = (logits / self.temperature).softmax(dim=-1).tolist()
        return [probabilities_to_scores(row, self.label_mapping) for row in probs]

    def _forward_with_fallback(self, encoded: Any) -> torch.Tensor:
        try:
            return self.forward(encoded)
        except RuntimeError as exc:  # torch.cuda.OutOfMemoryError subclasses RuntimeError
            if not self.device.startswith("cuda") or not _is_gpu_failure(exc):
                raise
            self._fall_back_to_cpu(exc)
            return self.forward(encoded)

    def _fall_back_to_cpu(self, exc: BaseException) -> None:
        import torch

        self.gpu_fallbacks += 1
        logger.warning(
            "verification.nli.gpu_fallback",
            extra={"error": str(exc)[:500], "model_version": self.model_version},
        )
        cpu_dtype = torch.bfloat16 if self._cpu_bf16() and not self.cpu_int8 else torch.float32
        self.model = self.model.to(device="cpu", dtype=cpu_dtype)
        if self.cpu_int8:
            self.model = quantize_int8(self.model)
        self.device = "cpu"
        self.batch_size = min(self.batch_size, 32)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
