"""A message torn between a refund request and a rule question, worded as a question, is a
rule question; a demand or a named order is not touched."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.refund_demand import RefundQuestionDetector


def parsed(text, first, second, entities=()):
    message = Message(data={"text": text, "entities": list(entities)})
    message.set("intent", {"name": first[0], "confidence": first[1]})
    message.set("intent_ranking", [{"name": first[0], "confidence": first[1]},
                                   {"name": second[0], "confidence": second[1]}])
    return message


def run(message):
    return RefundQuestionDetector().process([message])[0].get("intent")


@pytest.mark.parametrize("text", ["轻量服务器能退款吗", "数据库可不可以退订", "买错了能不能退？", "云主机支不支持退款",
                                  "how do I get a refund for my server"])
def test_a_torn_question_is_a_rule_question(text):
    intent = run(parsed(text, ("request_refund", 0.46), ("ask_refund_policy", 0.44)))
    assert intent["name"] == "ask_refund_policy" and intent["confidence"] == pytest.approx(0.90)


def test_a_demand_stays_a_request():
    assert run(parsed("轻量服务器给我退款", ("request_refund", 0.46), ("ask_refund_policy", 0.44)))["name"] == \
        "request_refund"


def test_a_named_order_stays_a_request():
    order = {"entity": "order_id", "value": "2026112400010001", "start": 0, "end": 16}
    message = parsed("2026112400010001 能退吗", ("request_refund", 0.46), ("ask_refund_policy", 0.44), [order])
    assert run(message)["name"] == "request_refund"


def test_a_clear_request_is_left_alone():
    assert run(parsed("能退吗", ("request_refund", 0.80), ("ask_refund_policy", 0.10)))["name"] == "request_refund"
