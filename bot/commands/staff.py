"""Create and manage staff accounts (`make staff ARGS="..."`): the only way to have staff
outside development, where no demo accounts exist.

    python -m bot.commands.staff add r7 --name "审核员 小周" --roles reviewer [--api-token]
    python -m bot.commands.staff password r7       # prompts twice
    python -m bot.commands.staff api-token r7      # a new token, printed once
    python -m bot.commands.staff remove r7
    python -m bot.commands.staff list

Passwords are read with a prompt (or one line from standard input with --password-stdin),
never from the command line; passwords and tokens are stored hashed. Changing a password or
removing an account ends that person's console logins.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable, List, Optional

from bot.backoffice.staff import StaffDirectory, StaffError
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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Manage staff accounts of the refund assistant.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True)
    add.add_argument("--roles", required=True, help="comma-separated: agent, reviewer")
    add.add_argument("--api-token", action="store_true", help="also create a back-office API token")
    add.add_argument("--password-stdin", action="store_true")
    password = commands.add_parser("password", help="set a new password")
    password.add_argument("staff_id")
    password.add_argument("--password-stdin", action="store_true")
    commands.add_parser("api-token", help="replace the back-office API token").add_argument("staff_id")
    commands.add_parser("remove", help="delete an account").add_argument("staff_id")
    commands.add_parser("list", help="list the accounts")
    args = parser.parse_args(argv)

    sessions = build_sessions(load_settings())
    directory, logins = StaffDirectory(sessions), LoginSessions(sessions)
    try:
        if args.command == "add":
            staff = directory.create(args.staff_id, args.name, args.roles.split(","), read_password(args.password_stdin))
            print(f"created {staff.staff_id} ({staff.name}, {', '.join(sorted(staff.roles))})")
            if args.api_token:
                print(f"API token (shown once): {directory.new_api_token(staff.staff_id)}")
        elif args.command == "password":
            directory.set_password(args.staff_id, read_password(args.password_stdin))
            print(f"password changed; {logins.end_all(LoginKind.STAFF, args.staff_id)} console login(s) ended")
        elif args.command == "api-token":
            print(f"API token (shown once): {directory.new_api_token(args.staff_id)}")
        elif args.command == "remove":
            directory.remove(args.staff_id)
            print(f"removed; {logins.end_all(LoginKind.STAFF, args.staff_id)} console login(s) ended")
        else:
            for staff in directory.all():
                print(f"{staff.staff_id}\t{staff.name}\t{','.join(sorted(staff.roles))}")
    except StaffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
