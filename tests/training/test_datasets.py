"""Training-pool loaders: formats, label mapping and the validation split."""

from collections import Counter

import pytest

from verification.training import datasets
from verification.training.datasets import NliPair


def test_mnli_reads_premise_hypothesis_and_label(data_root):
    pairs = datasets.load_mnli_dev_matched(data_root)
    assert pairs[1] == NliPair('He said "no" twice.', "He never spoke.", "contradiction", "mnli")
    assert pairs[0].hypothesis == "Everyone likes the benefits"


def test_esnli_reads_dev_and_test_detokenised(data_root):
    pairs = datasets.load_esnli(data_root)
    assert [p.label for p in pairs] == ["entailment", "entailment", "contradiction"]
    assert pairs[0].hypothesis == "Two women aren't empty-handed."


def test_esnli_parallel_files_must_align(data_root):
    (data_root / "esnli" / "labels.dev").write_text("entailment\n")
    with pytest.raises(datasets.DataFormatError, match="different line counts"):
        datasets.load_esnli(data_root)


def test_cad_reads_all_splits_of_all_combined(data_root):
    pairs = datasets.load_cad_nli(data_root)
    assert Counter(p.label for p in pairs) == {"entailment": 1, "neutral": 1, "contradiction": 1}


def test_fever_refutes_becomes_contradiction_and_escapes_are_undone(data_root):
    pairs = datasets.load_fever_rte(data_root)
    assert pairs[0] == NliPair(
        "Telemundo (network) is Spanish-language.",
        "Telemundo is English.",
        "contradiction",
        "fever",
    )
    assert [p.label for p in pairs[1:]] == ["entailment", "entailment"]


def test_unknown_label_is_an_error(data_root):
    (data_root / "fever_rte" / "dev.label").write_text("entailment\nmaybe\nentailment\n")
    with pytest.raises(datasets.DataFormatError, match="maybe"):
        datasets.load_fever_rte(data_root)


def test_fever_neutrals_pair_a_claim_with_another_claims_evidence(data_root):
    fever = datasets.load_fever_rte(data_root)
    evidence_of = {p.hypothesis: p.premise for p in fever}
    neutrals = datasets.fever_unrelated_neutrals(fever, count=20, seed=1)
    assert len(neutrals) == 20
    assert all(n.label == "neutral" for n in neutrals)
    assert all(n.premise != evidence_of[n.hypothesis] for n in neutrals)


def test_training_pool_has_every_source(data_root):
    pool = datasets.load_training_pool(data_root, fever_neutrals=2, seed=0)
    assert Counter(p.source for p in pool) == {
        "mnli": 2,
        "esnli": 3,
        "cad": 3,
        "fever": 3,
        "fever_unrelated": 2,
    }


def _many_pairs() -> list[NliPair]:
    pairs = []
    for i in range(200):
        for label in ("entailment", "neutral", "contradiction"):
            pairs.append(NliPair(f"premise {i}", f"hypothesis {i} {label}", label, "cad"))
    return pairs


def test_split_is_seeded_and_keeps_a_premise_in_one_split():
    pairs = _many_pairs()
    train, val = datasets.split_train_validation(pairs, 0.1, seed=3)
    again_train, again_val = datasets.split_train_validation(pairs, 0.1, seed=3)
    assert (train, val) == (again_train, again_val)
    assert len(val) == 60
    assert len(train) + len(val) == len(pairs)
    assert not {p.premise for p in train} & {p.premise for p in val}


def test_split_depends_on_seed():
    pairs = _many_pairs()
    assert (
        datasets.split_train_validation(pairs, 0.1, seed=3)[1]
        != (datasets.split_train_validation(pairs, 0.1, seed=4)[1])
    )
