"""The training data says what it means: no comment read as an example (a `#` line inside an
`examples: |` block is an example to Rasa), no sentence under two intents, none held out too."""
from collections import defaultdict
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT


def examples(folder: Path):
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                yield path.name, block.get("intent"), line.strip()


def test_no_comment_inside_an_examples_block():
    bad = [(f, line) for f, _, line in examples(PROJECT_ROOT / "data" / "nlu") if line and not line.startswith("- ")]
    assert not bad, bad


def test_no_sentence_under_two_intents_and_none_also_held_out():
    intents = defaultdict(set)
    for _, intent, line in examples(PROJECT_ROOT / "data" / "nlu"):
        intents[line[2:].strip()].add(intent)
    assert not {text: sorted(i) for text, i in intents.items() if len(i) > 1}
    held = {line[2:].strip() for _, _, line in examples(PROJECT_ROOT / "tests" / "nlu") if line}
    assert not held & set(intents)


def test_no_sentence_of_the_cloud_dev_set_is_trained_on():
    """The real cloud-support messages measure us: none of them (normalised) may be in data/nlu."""
    import csv

    import pytest

    from bench.nlu_eval import DEV_FILE, EVAL_DIR
    from bot.nlu.review_inbox import wording_key

    if not (EVAL_DIR / DEV_FILE).is_file():
        pytest.skip("the shared evaluation sets are not on this machine")
    with (EVAL_DIR / DEV_FILE).open(encoding="utf-8") as handle:
        dev = {wording_key(row["text"]) for row in csv.DictReader(handle, delimiter="\t")}
    ours = {line[2:].strip() for _, _, line in examples(PROJECT_ROOT / "data" / "nlu") if line}
    assert not {text for text in ours if wording_key(text) in dev}
