"""Reviewer command line over the same workflow as the HTTP API.

    python -m bot.commands.tickets --reviewer r1 list [--status submitted]
    python -m bot.commands.tickets --reviewer r1 show RF202611260001
    python -m bot.commands.tickets --reviewer r1 take RF202611260001
    python -m bot.commands.tickets --reviewer r1 request-info RF... --missing 故障截图 --missing 监控图
    python -m bot.commands.tickets --reviewer r1 approve RF... [--amount 900.00 --reason ...]
    python -m bot.commands.tickets --reviewer r1 reject RF... --reason-code insufficient_evidence --note ...
    python -m bot.commands.tickets --reviewer r1 start-payout RF...
    python -m bot.commands.tickets --reviewer r1 mark-paid RF... --payout-reference PAY-001
    python -m bot.commands.tickets --reviewer r1 close-appeal RF... --decision approve|reject [--amount --note]
    python -m bot.commands.tickets --reviewer m1 manager-approve|manager-return RF... [--note ...]  (a manager)
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from bot.backoffice.api import ACTIONS, role_for
from bot.backoffice.serialize import ticket_json
from bot.errors import NotFound
from bot.settings import load_settings
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.workflow import InvalidRequest
from bot.vocabulary import Role
from bot.wiring import build_services


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Act on refund tickets as a reviewer.")
    parser.add_argument("--reviewer", required=True, help="staff id with the reviewer role")
    parser.add_argument("command", choices=["list", "show", *ACTIONS])
    parser.add_argument("ticket_id", nargs="?")
    parser.add_argument("--status")
    parser.add_argument("--missing", action="append", default=[])
    parser.add_argument("--amount")
    parser.add_argument("--reason", default="")
    parser.add_argument("--reason-code", default="")
    parser.add_argument("--note", default="")
    parser.add_argument("--payout-reference", default="")
    parser.add_argument("--decision", default="")
    args = parser.parse_args(argv)

    services = build_services(load_settings())
    staff = services.staff.get(args.reviewer)
    needed = role_for(args.command) if args.command in ACTIONS else Role.REVIEWER
    if staff is None or not staff.has(needed):
        print(f"error: {args.reviewer} does not have the {needed.value} role", file=sys.stderr)
        return 2
    workflow = services.workflow
    if args.command == "list":
        for t in workflow.search(args.status):
            print(f"{t.ticket_id}\t{t.status_label}\t{t.customer_id}\t{t.order_id}\t{t.quoted_amount}\t"
                  f"{t.stage_due or ''}")
        return 0
    if not args.ticket_id:
        print("error: a ticket id is required", file=sys.stderr)
        return 2
    if args.command == "show":
        ticket = workflow.get(args.ticket_id)
        if ticket is None:
            print("error: ticket not found", file=sys.stderr)
            return 1
        print(json.dumps(ticket_json(ticket), ensure_ascii=False, indent=2))
        return 0
    body = {"missing": args.missing, "amount": args.amount, "reason": args.reason, "reason_code": args.reason_code,
            "note": args.note, "payout_reference": args.payout_reference, "decision": args.decision}
    try:
        ticket = ACTIONS[args.command](workflow, args.ticket_id, staff.staff_id, body)
    except NotFound:
        print("error: ticket not found", file=sys.stderr)
        return 1
    except (IllegalTransition, InvalidRequest) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{ticket.ticket_id}: {ticket.status_label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
