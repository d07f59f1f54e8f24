"""The quote command line, on a JSON order file and on the seeded database."""
import json

from bot.commands.quote import main
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo

ORDER = {
    "order_id": "2026030400012345", "product_code": "ecs", "product_name": "云服务器",
    "term_months": 12, "activated_at": "2026-03-04T10:00:00+08:00",
    "expires_at": "2027-03-04T10:00:00+08:00",
    "items": [{"kind": "resource", "amount": "1200"}],
    "payments": [{"paid_at": "2026-03-04T10:00:00+08:00", "cash": "1000", "voucher": "200"}],
}


def test_quote_from_json_file(tmp_path, capsys):
    path = tmp_path / "order.json"
    path.write_text(json.dumps(ORDER), encoding="utf-8")
    code = main(["--order-file", str(path), "--reason", "demand_change", "--at", "2026-03-06T10:00:00+08:00"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["rule"] == "no_reason_window" and out["refund"] == "1000.00"


def test_quote_with_another_policy(tmp_path, capsys):
    path = tmp_path / "order.json"
    path.write_text(json.dumps(ORDER), encoding="utf-8")
    main(["--order-file", str(path), "--reason", "demand_change", "--policy", str(PROJECT_ROOT / "policies" / "huawei.yml"),
          "--at", "2026-03-06T10:00:00+08:00"])
    assert json.loads(capsys.readouterr().out)["vouchers_returned"] == "200.00"


def test_bad_order_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "order.json"
    path.write_text(json.dumps({**ORDER, "activated_at": "yesterday"}), encoding="utf-8")
    assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
    assert "activated_at: not an ISO 8601 time" in capsys.readouterr().err
    path.write_text(json.dumps({**ORDER, "items": [{"amount": 12.5}]}), encoding="utf-8")
    assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
    assert "write amounts as strings" in capsys.readouterr().err


def test_quote_for_an_order_in_the_database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(session_factory(engine))
    monkeypatch.setenv("REFUND_DB_URL", url)
    assert main(["--order", "2026110100010004", "--reason", "demand_change"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "payg_not_refundable"
    assert main(["--order", "9999999999999999", "--reason", "demand_change"]) == 2
    assert "not found" in capsys.readouterr().err


TENCENT_CASE_TWO = {  # tests/policy/test_provider_examples.py, as an order file
    "order_id": "2026030200010001", "product_code": "cvm", "term_months": 12,
    "activated_at": "2026-03-02T10:00:00+08:00", "expires_at": "2027-03-02T10:00:00+08:00",
    "items": [{"kind": "resource", "amount": "707.16"}],
    "payments": [{"paid_at": "2026-03-02T10:00:00+08:00", "cash": "300", "gift_credit": "307.16", "voucher": "100"}],
    "list_monthly_price": "71", "discount_rate": "0.83",
    "hourly_tiers": [{"up_to_hours": 96, "price": "0.42"}, {"up_to_hours": None, "price": "0.21"}],
    "extra_hourly": [{"description": "带宽 1 Mbps", "tiers": [{"up_to_hours": None, "price": "0.063"}]}],
    "duration_discounts": [{"months": 6, "rate": "0.88"}, {"months": 12, "rate": "0.83"}],
    "no_reason_refunds_this_year": 1,
}


def test_quote_a_monthly_plus_hourly_order_with_bandwidth_from_json(tmp_path, capsys):
    path = tmp_path / "cvm.json"
    path.write_text(json.dumps(TENCENT_CASE_TWO), encoding="utf-8")
    code = main(["--order-file", str(path), "--reason", "demand_change", "--policy",
                 str(PROJECT_ROOT / "policies" / "tencent.yml"), "--at", "2026-10-07T10:00:00+08:00"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and (out["refund"], out["refund_cash"], out["refund_gift_credit"]) == ("116.88", "57.75", "59.13")


def test_bad_discount_table_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "cvm.json"
    path.write_text(json.dumps({**TENCENT_CASE_TWO, "duration_discounts": [{"months": "six", "rate": "0.88"}]}),
                    encoding="utf-8")
    assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
    assert "months must be a whole number" in capsys.readouterr().err
