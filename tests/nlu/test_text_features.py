"""The intent classifier's views of a message: ids become their kind, homophones and typed pinyin
share their syllables, and the fast transform gives exactly the vectorizers' own numbers."""
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu_components.text_features import TextFeatures, shape, syllables, views

TRAINING = ["我要退款", "退款进度查一下", "发票怎么开", "订单2026110600010006退款", "充值多久到账",
            "轉人工", "ＲＦ２０２６１１２５０００１进度", "服务器连不上了 ins-a1b2c3d4", "tui kuan", "退款🙏"]


def test_ids_links_and_numbers_become_their_kind():
    assert shape("订单 2026 1106 0001 0006 退款") == "订单 Ⓞ 退款"
    assert shape("ＲＦ２０２６１１２５０００１") == "Ⓣ"
    assert shape("INS-A1B2C3D4连不上") == "Ⓘ 连不上"
    assert shape("截图 https://pan.example.com/s/abc 付了1200.5元") == "截图 Ⓤ 付了⑨元"


def test_homophones_and_typed_pinyin_share_syllables():
    assert syllables(shape("我想推款")) == syllables(shape("我想退款")) == "wo xiang tui kuan"
    assert syllables(shape("wo xiang tui kuan")) == "wo xiang tui kuan"
    assert syllables(shape("退寬")) == syllables(shape("退款"))


def test_traditional_and_full_width_read_as_simplified():
    assert views("轉人工") == views("转人工")
    assert views("ＲＦ２０２６１１２５０００１") == views("RF202611250001")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("退款进度查发票我要订单2026RFins-a1🙏 ，？tuikan"), max_size=30),
                min_size=1, max_size=5))
def test_fast_transform_equals_the_vectorizers(texts):
    features = TextFeatures({"words_weight": 0.5})
    features.fit_transform(TRAINING)
    fast = features.transform(texts)
    slow = features._stack({v: features.vectorizers[v].transform([views(t)[v] for t in texts])
                            for v in ("words", "chars", "pinyin")})
    assert fast.shape == slow.shape
    assert abs(fast - slow).max() < 1e-12 if fast.nnz or slow.nnz else True
