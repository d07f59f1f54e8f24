"""Print a refund quote as JSON, for an order in the database or described in a JSON file.

    python -m bot.commands.quote --order 2026112400010001 --reason demand_change
    python -m bot.commands.quote --order-file order.json --reason service_issue \
        --policy policies/huawei.yml --at 2026-11-26T10:00:00+08:00
    python -m bot.commands.quote --order-file examples/orders/downgrade.json --downgrade-to ecs.2c4g
    python -m bot.commands.quote --order-file examples/orders/sla_claim.json --sla-claim

The order file format is documented in README.md ("Quote command line").
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from bot.billing.models import Spec
from bot.billing.order_file import OrderFileError, order_context_from_json, specs_from_json
from bot.clock import ensure_aware, utcnow
from bot.policy.changes import quote_downgrade, quote_sla_claim
from bot.policy.config import PolicyError, load_policy
from bot.policy.engine import quote_refund
from bot.policy.quote import Quote
from bot.settings import load_settings
from bot.vocabulary import RefundReason
from bot.wiring import build_services


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Print a refund quote as JSON.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--order", help="order id in the configured database")
    source.add_argument("--order-file", type=Path, help="JSON file describing an order")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--reason", choices=sorted(RefundReason.values()), help="quote a refund for this reason")
    action.add_argument("--downgrade-to", metavar="SPEC", help="quote a downgrade to this spec_code")
    action.add_argument("--sla-claim", action="store_true", help="quote SLA compensation for the outages")
    parser.add_argument("--customer", help="owner of --order (default: looked up)")
    parser.add_argument("--policy", type=Path, help="policy file (default: REFUND_POLICY_FILE)")
    parser.add_argument("--at", help="request time, ISO 8601 with zone (default: now)")
    args = parser.parse_args(argv)
    try:
        now = ensure_aware(datetime.fromisoformat(args.at)) if args.at else utcnow()
        quote = _quote(args, now)
    except (PolicyError, OrderFileError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(quote.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _quote(args: argparse.Namespace, now: datetime) -> Quote:
    settings = load_settings()
    policy = load_policy(args.policy or settings.policy_file)
    if args.order_file:
        try:
            data = json.loads(args.order_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise OrderFileError(f"cannot read {args.order_file}: {exc}") from exc
        if not isinstance(data, dict):
            raise OrderFileError("the order file must hold a JSON object")
        ctx = order_context_from_json(data)
        if args.sla_claim:
            return quote_sla_claim(ctx, now, policy)
        if args.downgrade_to:
            return quote_downgrade(ctx, _spec(specs_from_json(data), args.downgrade_to), now, policy)
        return quote_refund(ctx, args.reason, now, policy)
    service = build_services(settings, policy=policy, clock=lambda: now).refunds
    customer = args.customer or service.owner_of(args.order)
    if customer is None:
        raise LookupError(f"order {args.order} not found")
    if args.sla_claim:
        quote = service.quote_sla_claim(customer, args.order)
    elif args.downgrade_to:
        quote = service.quote_downgrade(customer, args.order, args.downgrade_to)
    else:
        quote = service.quote(customer, args.order, args.reason)
    if quote is None:
        raise LookupError(f"order {args.order} (or that configuration) not found")
    return quote


def _spec(specs: List[Spec], code: str) -> Spec:
    found = next((s for s in specs if s.spec_code == code), None)
    if found is None:
        known = ", ".join(s.spec_code for s in specs) or "none"
        raise OrderFileError(f"spec {code!r} is not in the order file's specs (known: {known})")
    return found


if __name__ == "__main__":
    sys.exit(main())
