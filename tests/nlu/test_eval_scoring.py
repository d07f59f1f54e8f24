"""How the NLU evaluation scores the real cloud-support set: clear rows split into in-scope
accuracy and out-of-scope rejection, the fallback counts as a rejection, `a|b` rows accept either."""
from bench.nlu_eval import DevRow, dev_metrics, external_metrics, headline_table, scored


def test_fallback_rejects_like_out_of_scope():
    assert scored("nlu_fallback") == "out_of_scope"
    assert scored(None) == "out_of_scope"
    assert scored("request_refund") == "request_refund"


def test_dev_metrics_split_clear_rows_and_accept_either_reading():
    rows = [DevRow("a", ("out_of_scope",), True, "CDN"), DevRow("b", ("out_of_scope",), True, "CDN"),
            DevRow("c", ("request_refund",), True, "账户与财务"), DevRow("d", ("thank",), True, "账户与财务"),
            DevRow("e", ("ask_refund_status", "out_of_scope"), False, "CDN")]
    m = dev_metrics(rows, ["nlu_fallback", "request_refund", "request_refund", "greet", "out_of_scope"])
    assert (m["clear_rows"], m["oos_rows"], m["in_scope_rows"]) == (4, 2, 2)
    assert m["oos_rejection"] == 0.5 and m["in_scope_accuracy"] == 0.5 and m["clear_accuracy"] == 0.5
    assert m["ambiguous_accuracy"] == 1.0
    assert m["by_category"] == {"CDN": [1, 2], "账户与财务": [1, 2]}
    assert m["miss_counts"] == {"out_of_scope -> request_refund": 1, "thank -> greet": 1}


def test_external_metrics_keep_only_counts():
    m = external_metrics("smp2017_oos", [("天气怎样", "out_of_scope"), ("放首歌", "out_of_scope")], ["nlu_fallback", "inform"])
    assert m["score"] == 0.5 and m["miss_counts"] == {"out_of_scope -> inform": 1}
    assert "天气" not in str(m) and "首歌" not in str(m)


def test_headline_shows_before_and_now():
    then = {"cv": {"accuracy": 0.7, "macro_f1": 0.6}, "dev": {"clear_accuracy": 0.66}}
    now = {"cv": {"accuracy": 0.9, "macro_f1": 0.8}, "dev": {"clear_accuracy": 0.91}}
    table = "\n".join(headline_table(now, then))
    assert "| cross-validation accuracy (5-fold, data/nlu) | 0.700 | 0.900 | >= 0.85 |" in table
    assert "| cloud dev: accuracy, clear rows | 0.660 | 0.910 | >= 0.90 |" in table
    assert "| SMP2017 out-of-scope rejection | — | — | >= 0.90 |" in table
