from pathlib import Path

import pytest
import yaml

from bot.policy.config import PolicyError, load_policy, parse_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def raw_default():
    return yaml.safe_load((POLICIES / "default.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["default", "alibaba", "tencent", "huawei"])
def test_shipped_policies_load(name):
    assert load_policy(POLICIES / f"{name}.yml").name


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.yml")


def test_invalid_yaml(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.pop("name"), "policy.name is required"),
        (lambda r: r["no_reason_window"].update(hours=120), "exactly one of 'hours' or 'days'"),
        (lambda r: r["standard_refund"]["consumption"].update(method="magic"), "must be one of"),
        (lambda r: r["sla"]["compensation_tiers"][0].update(percent=150), "between 0 and 100"),
        (lambda r: r["timing"].update(holidays=["someday"]), "not a date"),
        (lambda r: r["timing"].update(review_working_days=-1), "whole number"),
        (lambda r: r.update(exclusions=["everything"]), "is not one of"),
        (lambda r: r.update(manager_approval_above="lots"), "not an amount"),
    ],
)
def test_bad_values_name_the_key(mutate, message):
    raw = raw_default()
    mutate(raw)
    with pytest.raises(PolicyError, match=message):
        parse_policy(raw)
