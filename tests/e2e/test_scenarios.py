"""Customers' conversations, scripted in tests/e2e/scenarios.yml, against the running servers."""
from __future__ import annotations

import pytest

from harness.scenarios import load_scenarios, play
from harness.servers import write_support

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(bot, sender, scenario):
    if scenario.get("support"):
        write_support(bot.support_file, override=scenario["support"])
    outcome = play(bot, scenario, sender)
    assert outcome.ok, "\n".join(outcome.problems)
