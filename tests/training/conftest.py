"""A miniature copy of the shared-data layout, written in each test's tmp_path."""

import io
import json
import tarfile
from pathlib import Path

import pytest


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    _write(
        root / "mnli_dev_matched" / "mnli_development_set_number_of_correct_responses.txt",
        "index\tpremise\thypothesis\tgold_label\tnumber of correct responses (out of 100)\n"
        "0\tThe new rights are nice enough\tEveryone likes the benefits \tneutral\t100\n"
        '1\tHe said "no" twice.\tHe never spoke.\tcontradiction\t90\n',
    )
    esnli = root / "esnli"
    _write(esnli / "s1.dev", "Two women hold packages .\nA dog runs .\n")
    _write(esnli / "s2.dev", "Two women are n't empty-handed .\nAn animal moves .\n")
    _write(esnli / "labels.dev", "entailment\nentailment\n")
    _write(esnli / "s1.test", "A man sleeps .\n")
    _write(esnli / "s2.test", "A man runs .\n")
    _write(esnli / "labels.test", "contradiction\n")
    for split, rows in {
        "train": "A man rides a bike.\tA man rides.\tentailment\n"
        "A man rides a red bike.\tA man rides his own bike.\tneutral\n",
        "dev": "Kids play.\tNobody plays.\tcontradiction\n",
        "test": "",
    }.items():
        _write(
            root / "cad_nli" / "all_combined" / f"{split}.tsv",
            "sentence1\tsentence2\tgold_label\n" + rows,
        )
    fever = root / "fever_rte"
    _write(
        fever / "dev.raw.input0",
        "Telemundo -LRB- network -RRB- is Spanish-language .\n"
        "Soul Food is a 1997 film .\nParis is in France .\n",
    )
    _write(
        fever / "dev.raw.input1", "Telemundo is English.\nSoul Food is a film.\nParis is French.\n"
    )
    _write(fever / "dev.label", "not_entailment\nentailment\nentailment\n")
    with io.BytesIO() as buf:
        tsv = (
            "id\tpremise\thypothesis\tlabel\n"
            "1\tA cat sat.\tAn animal sat.\t0\n2\tA cat sat.\tNo cat.\t2\n"
        )
        data = tsv.encode()
        info = tarfile.TarInfo("xnli_validation_en.tsv")
        info.size = len(data)
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            tar.addfile(info, io.BytesIO(data))
        (root / "xnli_en").mkdir(parents=True)
        (root / "xnli_en" / "xnli_validation_en.tar.gz").write_bytes(buf.getvalue())
    wice = [
        {
            "label": "supported",
            "claim": "Arnold runs Media Play News.",
            "evidence": ["Intro.", "Arnold is publisher.", "Of Media Play News."],
            "supporting_sentences": [[1, 2], [1, 2], [1]],
        },
        {
            "label": "not_supported",
            "claim": "Arnold was born in 1950.",
            "evidence": ["s1", "s2", "s3", "s4"],
            "supporting_sentences": [[]],
        },
    ]
    _write(
        root / "wice" / "entailment_retrieval_claim" / "dev.jsonl",
        "".join(json.dumps(r) + "\n" for r in wice),
    )
    _write(
        root / "fever_symmetric" / "symmetric_v0.2" / "fever_symmetric_test.jsonl",
        json.dumps(
            {
                "claim": "Colombiana is a French film .",
                "gold_label": "REFUTES",
                "evidence": "Colombiana -LRB- 2011 -RRB- is an American film .",
            }
        )
        + "\n",
    )
    return root
