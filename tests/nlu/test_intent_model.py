"""The intent model learns out_of_scope topic by topic and answers with intents: each intent's
confidence is the sum of its topics', and the winner's likeliest topic comes with it."""
from rasa.shared.nlu.training_data.message import Message

from nlu_components.intent_classifier import IntentModel, TfidfLogisticRegressionClassifier, label_of

DATA = {
    "request_refund": ["我要退款", "申请退款", "帮我退掉这台服务器", "退钱", "我想退订"],
    "ask_refund_status": ["退款进度", "退款到账了吗", "我的退款到哪了", "查一下退款"],
    "out_of_scope::invoice": ["发票怎么开", "发票抬头写错了", "我要开专票", "发票寄出了吗"],
    "out_of_scope::topup": ["充值多久到账", "充值没到账", "怎么充值", "汇款到了吗"],
}


def model() -> IntentModel:
    texts = [t for examples in DATA.values() for t in examples]
    labels = [label for label, examples in DATA.items() for _ in examples]
    return IntentModel(TfidfLogisticRegressionClassifier.get_default_config()).fit(texts, labels)


def test_topics_fold_into_their_intent_and_the_topic_is_named():
    (ranking, topic), = model().rank(["发票开错了"])
    assert [name for name, _ in ranking] == sorted({n for n, _ in ranking}, key=dict(ranking).get, reverse=True)
    assert {name for name, _ in ranking} == {"request_refund", "ask_refund_status", "out_of_scope"}
    assert abs(sum(p for _, p in ranking) - 1) < 1e-9
    assert ranking[0][0] == "out_of_scope" and topic is not None and topic[0] == "invoice" and 0.5 < topic[1] <= 1


def test_an_intent_without_topics_has_none():
    (ranking, topic), = model().rank(["我要退款"])
    assert ranking[0][0] == "request_refund" and topic is None


def test_the_training_label_carries_the_topic_of_the_block():
    plain = Message.build("我要退款", "request_refund")
    topical = Message.build("发票怎么开", "out_of_scope", intent_metadata={"topic": "invoice"})
    assert (label_of(plain), label_of(topical)) == ("request_refund", "out_of_scope::invoice")
