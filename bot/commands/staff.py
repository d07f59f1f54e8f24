"""Create, manage and offboard staff accounts (`make staff ARGS="..."`): the only way to have
staff outside development, where no demo accounts exist.

    python -m bot.commands.staff add r7 --name "审核员 小周" --roles reviewer [--api-token NAME]
    python -m bot.commands.staff password r7             # prompts twice; ends their console logins
    python -m bot.commands.staff token add r7 --name ci [--days 90]   # printed once
    python -m bot.commands.staff token list [r7]
    python -m bot.commands.staff token revoke 12         # the number `token list` shows
    python -m bot.commands.staff disable r7              # offboarding (`remove` is the same)
    python -m bot.commands.staff enable r7               # back, with a new password
    python -m bot.commands.staff grant o3 transcripts    # revoke-grant takes it back
    python -m bot.commands.staff list

Passwords are read with a prompt (or one line from standard input with --password-stdin),
never from the command line; passwords and tokens are stored hashed. Disabling someone ends
their console logins (and so their open live streams), revokes every API token of theirs and
returns the conversations they held to the queue at once; nothing they did is deleted.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import Callable, List, Optional

from bot.backoffice.staff import DEFAULT_TOKEN_DAYS, ApiToken, StaffDirectory, StaffError
from bot.clock import format_customer_time
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.settings import load_settings
from bot.wiring import build_sessions


def read_password(from_stdin: bool, prompt: Callable[[str], str] = getpass.getpass) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = prompt("新密码：")
    if prompt("再次输入新密码：") != first:
        raise StaffError("the two passwords differ")
    return first


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(description="Manage staff accounts of the refund assistant.")
    commands = root.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True)
    add.add_argument("--roles", required=True, help="comma-separated: agent, reviewer, operator")
    add.add_argument("--grants", default="", help="comma-separated: transcripts")
    add.add_argument("--api-token", nargs="?", const="api", metavar="NAME",
                     help="also create a back-office API token (named NAME, default 'api')")
    add.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS, help="how long that token lives")
    add.add_argument("--password-stdin", action="store_true")
    for name, text in (("password", "set a new password (ends their console logins)"),
                       ("enable", "take a disabled person back, with a new password")):
        command = commands.add_parser(name, help=text)
        command.add_argument("staff_id")
        command.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "remove"):
        commands.add_parser(name, help="offboard: end every login and token at once, keep the history"
                            ).add_argument("staff_id")
    for name, text in (("grant", "give a grant"), ("revoke-grant", "take a grant back")):
        command = commands.add_parser(name, help=text)
        command.add_argument("staff_id")
        command.add_argument("grant", help="transcripts")
    token = commands.add_parser("token", help="back-office API tokens").add_subparsers(dest="token_command",
                                                                                       required=True)
    issue = token.add_parser("add", help="a new named token, printed once")
    issue.add_argument("staff_id")
    issue.add_argument("--name", required=True)
    issue.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS)
    token.add_parser("list", help="tokens (of one person or all)").add_argument("staff_id", nargs="?")
    token.add_parser("revoke", help="revoke one token by its number").add_argument("token_id", type=int)
    commands.add_parser("list", help="list the accounts")
    return root


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings()
    sessions = build_sessions(settings)
    directory, logins = StaffDirectory(sessions), LoginSessions(sessions)
    try:
        if args.command == "add":
            staff = directory.create(args.staff_id, args.name, args.roles.split(","), read_password(args.password_stdin),
                                     args.grants.split(","))
            print(f"created {staff.staff_id} ({staff.name}, {', '.join(sorted(staff.roles | staff.grants))})")
            if args.api_token:
                print_new_token(directory, staff.staff_id, args.api_token, args.days)
        elif args.command == "password":
            directory.set_password(args.staff_id, read_password(args.password_stdin))
            print(f"password changed; {logins.end_all(LoginKind.STAFF, args.staff_id)} console login(s) ended")
        elif args.command in ("disable", "remove"):
            offboard(directory, logins, HandoffService(sessions, SupportSettings(settings.support_file)), args.staff_id)
        elif args.command == "enable":
            directory.enable(args.staff_id, read_password(args.password_stdin))
            print(f"{args.staff_id} enabled with a new password (their old API tokens stay revoked)")
        elif args.command in ("grant", "revoke-grant"):
            staff = directory.set_grant(args.staff_id, args.grant, args.command == "grant")
            print(f"{staff.staff_id}: grants now {', '.join(sorted(staff.grants)) or '(none)'}")
        elif args.command == "token":
            token_command(directory, args)
        else:
            for staff in directory.all():
                state = f"disabled {format_customer_time(staff.disabled_at)}" if staff.disabled_at else "active"
                print(f"{staff.staff_id}\t{staff.name}\t{','.join(sorted(staff.roles))}\t"
                      f"{','.join(sorted(staff.grants)) or '-'}\t{state}")
    except StaffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def offboard(directory: StaffDirectory, logins: LoginSessions, handoffs: HandoffService, staff_id: str) -> None:
    """Disable the account and its tokens first (that alone locks every door), then end the
    console logins and hand the conversations they held back to the queue."""
    revoked = directory.disable(staff_id)
    ended = logins.end_all(LoginKind.STAFF, staff_id)
    released = handoffs.release_agent(staff_id)
    print(f"{staff_id} disabled: {ended} console login(s) ended, {revoked} API token(s) revoked, "
          f"{len(released)} conversation(s) returned to the queue{' ' + str(released) if released else ''}; "
          "their history is kept")


def token_command(directory: StaffDirectory, args: argparse.Namespace) -> None:
    if args.token_command == "add":
        print_new_token(directory, args.staff_id, args.name, args.days)
    elif args.token_command == "revoke":
        token = directory.revoke_token(args.token_id)
        print(f"token {token.token_id} ({token.staff_id} {token.name}) revoked")
    else:
        now = directory.clock()
        print("number\tstaff\tname\tcreated\tlast used\texpires\tstate")
        for token in directory.tokens(args.staff_id):
            print(f"{token.token_id}\t{token.staff_id}\t{token.name}\t{_when(token.created_at)}\t"
                  f"{_when(token.last_used_at)}\t{_when(token.expires_at, 'never')}\t{_state(token, now)}")


def print_new_token(directory: StaffDirectory, staff_id: str, name: str, days: int) -> None:
    listed, token = directory.issue_token(staff_id, name, days)
    print(f"API token {listed.token_id} ({listed.name}, expires {_when(listed.expires_at)}; shown once): {token}")


def _when(moment: Optional[datetime], missing: str = "-") -> str:
    return format_customer_time(moment) if moment else missing


def _state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at:
        return "revoked"
    return "live" if token.live(now) else "expired"
