"""The NLU fallback: unsure, barely ahead of out_of_scope, or torn between a yes and a no is a
fallback; two close intents of ours that do not contradict keep the first."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.fallback import ScopeFallbackClassifier

SETTINGS = {"threshold": 0.2, "out_of_scope_margin": 0.1, "ambiguity_threshold": 0.05,
            "contradictory": [["affirm", "deny"]]}


def parsed(*ranking):
    message = Message(data={"text": "……"})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


def intent_after(*ranking, **settings):
    return ScopeFallbackClassifier({**SETTINGS, **settings}).process([parsed(*ranking)])[0].get("intent")["name"]


def test_unsure_is_a_fallback():
    assert intent_after(("ask_refund_status", 0.19), ("out_of_scope", 0.1)) == "nlu_fallback"


@pytest.mark.parametrize("out_of_scope, expected", [(0.40, "nlu_fallback"), (0.36, "nlu_fallback"),
                                                    (0.30, "ask_refund_status")])
def test_barely_ahead_of_out_of_scope_is_a_fallback(out_of_scope, expected):
    assert intent_after(("ask_refund_status", 0.45), ("out_of_scope", out_of_scope)) == expected


def test_out_of_scope_further_down_the_ranking_counts_too():
    ranking = (("inform", 0.42), ("request_refund", 0.20), ("out_of_scope", 0.35))
    assert intent_after(*ranking) == "nlu_fallback"


def test_two_close_intents_of_ours_keep_the_first():
    assert intent_after(("ask_refund_status", 0.41), ("ask_refund_policy", 0.39), ("out_of_scope", 0.1)) == \
        "ask_refund_status"


def test_a_torn_yes_and_no_is_a_fallback():
    assert intent_after(("affirm", 0.46), ("deny", 0.44)) == "nlu_fallback"
    assert intent_after(("affirm", 0.56), ("deny", 0.34)) == "affirm"


def test_out_of_scope_itself_is_kept():
    assert intent_after(("out_of_scope", 0.41), ("request_refund", 0.40)) == "out_of_scope"


@pytest.mark.parametrize("settings", [{"out_of_scope_margin": -0.1}, {"threshold": 1.5},
                                      {"contradictory": [["affirm"]]}])
def test_bad_settings_are_refused(settings):
    with pytest.raises(ValueError):
        ScopeFallbackClassifier({**SETTINGS, **settings})
