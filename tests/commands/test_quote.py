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


# --- `make quote` on the documented example of each kind of order ----------------------------

EXAMPLES = PROJECT_ROOT / "examples" / "orders"
AT = "2026-11-20T10:00:00+08:00"


def make_quote(*args: str) -> dict:
    import subprocess
    done = subprocess.run(["make", "-s", "quote", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_make_quote_for_each_kind_of_order():
    # file: (rule, refund) on 2026-11-20 under policies/default.yml (use by days, 10 % fee)
    expected = {
        "new": ("standard", "73.21"),  # 407.96 paid in money − 263/365 of it − 40.80 fee
        "renewal_unstarted": ("unstarted_renewal", "2000.00"),  # the money paid, not the voucher
        "renewal_started": ("standard", "310.68"),  # 1200 − 234/365 of it − 120 fee
        "upgrade": ("standard", "429.92"),  # base 1200 − 261/365 of it − 120 fee, + 104/292 of the upgrade's 584
        "multi_instance": ("standard", "665.75"),  # three instances: 3600 − 261/365 of it − 360 fee
        "resource_package": ("standard", "325.00"),  # 500 − 256/1024 GB of it − 50 fee
        "original_price": ("standard", "177.53"),  # default.yml charges 261/365 of the money paid, − 96 fee
    }
    for name, (rule, refund) in expected.items():
        out = make_quote(f"ORDER_FILE=examples/orders/{name}.json", "REASON=demand_change", f"AT={AT}")
        assert (name, out["rule"], out["refund"]) == (name, rule, refund)


def test_make_quote_for_a_downgrade_and_an_sla_claim():
    out = make_quote("ORDER_FILE=examples/orders/downgrade.json", "DOWNGRADE_TO=ecs.2c4g",
                     "AT=2026-06-01T10:00:00+08:00")
    assert (out["rule"], out["refund"], out["target_spec"]) == ("downgrade", "3251.51", "2核4G")
    out = make_quote("ORDER_FILE=examples/orders/sla_claim.json", "SLA_CLAIM=1", f"AT={AT}")
    assert (out["rule"], out["refund"], out["destination"], out["sla_month"]) == (
        "sla_compensation", "30.00", "voucher", "2026-11")


def test_make_quote_counts_resources_under_huawei():
    out = make_quote("ORDER_FILE=examples/orders/resources.json", "REASON=demand_change",
                     "AT=2026-03-06T18:40:00+08:00", "POLICY=policies/huawei.yml")
    # The server with its two disks (2,200) in full; the VPC's 200: 56 of 8,774 hours and a 10 % fee.
    assert (out["rule"], out["no_reason_instances"], out["refund"]) == ("no_reason_some_instances", 1, "2378.72")


def test_every_example_parses_and_each_kind_is_covered():
    from bot.billing.order_file import order_context_from_json
    kinds = set()
    for path in EXAMPLES.glob("*.json"):
        ctx = order_context_from_json(json.loads(path.read_text(encoding="utf-8")))
        kinds.add(ctx.order.kind)
        kinds.update(change.kind for change in ctx.changes)
    assert kinds == {"new", "renewal", "upgrade", "multi_instance", "resource_package"}


def test_downgrade_to_an_unknown_configuration_is_a_clear_error(capsys):
    assert main(["--order-file", str(EXAMPLES / "downgrade.json"), "--downgrade-to", "ecs.64c"]) == 2
    assert "ecs.64c" in capsys.readouterr().err


def test_bad_order_kinds_are_clear_errors(tmp_path, capsys):
    path = tmp_path / "order.json"
    for bad, message in [({"quantity": 0}, "quantity"), ({"package": {"total": "0"}}, "package"),
                         ({"order_type": "gift"}, "order_type"), ({"changes": [{"order_type": "new"}]}, "changes[0]"),
                         ({"no_reason_refunds_this_year": -1}, "no_reason_refunds_this_year")]:
        path.write_text(json.dumps({**ORDER, **bad}), encoding="utf-8")
        assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
        assert message in capsys.readouterr().err


def test_downgrade_and_sla_claim_for_an_order_in_the_database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'kinds.db'}"
    monkeypatch.setenv("REFUND_DB_URL", url)
    engine = make_engine(url)
    migrate(engine)
    seed_demo(session_factory(engine))
    from bot.storage.seed import demo_order
    assert main(["--order", demo_order("downgrade").order_id, "--downgrade-to", "ecs.4c8g"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "downgrade"
    assert main(["--order", demo_order("sla_claim").order_id, "--sla-claim"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "sla_compensation"


def test_the_order_file_says_which_orders_used_the_no_reason_quota(tmp_path, capsys):
    path = tmp_path / "order.json"
    uses = [{"order_id": "2026020100000007", "product_code": "ecs", "product_name": "云服务器 ECS"}]
    path.write_text(json.dumps({**ORDER, "no_reason_uses": uses}), encoding="utf-8")
    assert main(["--order-file", str(path), "--reason", "demand_change", "--at", "2026-03-06T10:00:00+08:00",
                 "--policy", str(PROJECT_ROOT / "policies" / "huawei.yml")]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "no_reason_window"  # 1 of Huawei's 10 used
    path.write_text(json.dumps({**ORDER, "no_reason_uses": uses, "no_reason_refunds_this_year": 2}), encoding="utf-8")
    assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
    assert "must equal the units of no_reason_uses" in capsys.readouterr().err


def test_bad_resources_are_clear_errors(tmp_path, capsys):
    path = tmp_path / "order.json"
    for resources, message in [
        ([{"resource_id": "a"}, {"resource_id": "a"}], "same resource_id"),
        ([{"resource_id": "a"}, {"resource_id": "b", "bound_to": "a"}, {"resource_id": "c", "bound_to": "b"}],
         "resources[2].bound_to"),
        ([{"resource_id": "a", "bound_to": "a"}], "resources[0].bound_to"),
        ([{"kind": "evs"}], "resources[0].resource_id"),
    ]:
        path.write_text(json.dumps({**ORDER, "resources": resources}), encoding="utf-8")
        assert main(["--order-file", str(path), "--reason", "demand_change"]) == 2
        assert message in capsys.readouterr().err
