"""Evaluation-set loaders, the JSONL format and claim-level scoring."""

import json

import pytest

from verification.training import eval_datasets, evaluation
from verification.training.eval_datasets import EvalRow


def test_xnli_reads_the_tarball_and_maps_labels(data_root):
    rows = eval_datasets.load_xnli_en_validation(data_root)
    assert rows == [
        EvalRow("An animal sat.", ("A cat sat.",), "supported"),
        EvalRow("No cat.", ("A cat sat.",), "contradicted"),
    ]


def test_fever_symmetric_is_detokenised(data_root):
    (row,) = eval_datasets.load_fever_symmetric(data_root)
    assert row == EvalRow(
        "Colombiana is a French film.", ("Colombiana (2011) is an American film.",), "contradicted"
    )


def test_wice_uses_distinct_supporting_sets_and_falls_back_to_page_windows(data_root):
    supported, unsupported = eval_datasets.load_wice_claims(data_root)
    assert supported.passages == (
        "Arnold is publisher. Of Media Play News.",
        "Arnold is publisher.",
    )
    assert unsupported.label == "not_enough_evidence"
    assert unsupported.passages == ("s1 s2 s3", "s4")


def test_jsonl_round_trip(tmp_path):
    rows = [
        EvalRow("c1", ("e1",), "supported"),
        EvalRow("c2", ("e2", "e3"), "partially_supported"),
    ]
    path = tmp_path / "eval.jsonl"
    evaluation.write_jsonl(rows, path)
    first = json.loads(path.read_text().splitlines()[0])
    assert first == {"claim": "c1", "evidence": "e1", "label": "supported"}
    assert evaluation.read_jsonl(path) == rows


def test_read_jsonl_rejects_unknown_label(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"claim": "c", "evidence": "e", "label": "true"}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        evaluation.read_jsonl(path)


@pytest.mark.parametrize(
    ("labels", "passages", "mode"),
    [
        (["supported", "contradicted"], 1, "two_way"),
        (["supported", "not_enough_evidence"], 1, "nli3"),
        (["supported", "contradicted"], 2, "claim"),
        (["partially_supported"], 1, "claim"),
    ],
)
def test_mode_is_inferred_from_labels_and_passages(labels, passages, mode):
    rows = [EvalRow("c", ("p",) * passages, label) for label in labels]
    assert evaluation.infer_mode(rows) == mode


@pytest.mark.parametrize(
    ("probs", "verdict"),
    [
        ([(0.1, 0.8, 0.1), (0.7, 0.2, 0.1)], "supported"),
        ([(0.1, 0.2, 0.7), (0.3, 0.6, 0.1)], "contradicted"),
        ([(0.3, 0.6, 0.1)], "partially_supported"),
        ([(0.1, 0.8, 0.1)], "not_enough_evidence"),
    ],
)
def test_aggregate_claim(probs, verdict):
    assert evaluation.aggregate_claim(probs)[0] == verdict


def test_two_way_is_a_forced_choice_between_entailment_and_contradiction():
    rows = [EvalRow("c", ("p",), "supported"), EvalRow("c", ("p",), "contradicted")]
    # Neutral is the largest class in both rows, yet each row has a two-way answer.
    report = evaluation.evaluate_rows(rows, [(0.3, 0.6, 0.1), (0.1, 0.6, 0.3)])
    assert report["mode"] == "two_way"
    assert report["accuracy"] == 1.0
    assert report["ece"] == pytest.approx(0.25)


def test_nli3_macro_f1_and_confusion():
    rows = [
        EvalRow("c", ("p",), "supported"),
        EvalRow("c", ("p",), "contradicted"),
        EvalRow("c", ("p",), "not_enough_evidence"),
    ]
    report = evaluation.evaluate_rows(rows, [(0.8, 0.1, 0.1), (0.1, 0.8, 0.1), (0.1, 0.8, 0.1)])
    assert report["confusion"] == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert report["macro_f1"] == pytest.approx((1 + 0 + 2 / 3) / 3)


def test_evaluate_rows_checks_the_number_of_scores():
    rows = [EvalRow("c", ("p1", "p2"), "supported")]
    with pytest.raises(ValueError, match="1 pair scores for 2 pairs"):
        evaluation.evaluate_rows(rows, [(0.8, 0.1, 0.1)])
