"""Staff accounts: no demo accounts outside development; real ones come from the staff
command, hashed, and a password change or removal ends their console logins. (Offboarding
through the running website: test_staff_offboarding.py.)"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.backoffice.staff import StaffDirectory, StaffError
from bot.commands import staff as staff_admin
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.storage.schema import StaffRow, StaffTokenRow
from bot.storage.seed import NotDevelopment, seed_demo


@pytest.mark.parametrize("environment", ["test", "production"])
def test_demo_data_is_refused_outside_development(sessions, monkeypatch, environment):
    monkeypatch.setenv("REFUND_ENV", environment)
    with pytest.raises(NotDevelopment):
        seed_demo(sessions)
    with sessions() as db:
        assert db.query(StaffRow).count() == 0


def test_the_seed_command_refuses_outside_development(tmp_path, monkeypatch):
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    env = {"REFUND_ENV": "production", "REFUND_JWT_SECRET": "j" * 40, "REFUND_RASA_TOKEN": "r" * 20,
           "REFUND_ACTION_TOKEN": "a" * 20, "REFUND_DB_URL": f"sqlite:///{tmp_path / 'p.db'}",
           "PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot.storage.seed"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "development only" in result.stderr


@pytest.fixture
def cli(sessions, staff_cli):
    """Run the staff command against the test database; returns (exit code, output)."""
    return lambda *argv, stdin="": staff_cli(sessions, *argv, stdin=stdin)


def test_add_an_account_with_a_hashed_password_and_a_token_shown_once(sessions, cli):
    code, out = cli("add", "r7", "--name", "审核员 小周", "--roles", "reviewer", "--api-token", "--password-stdin",
                    stdin="a-long-secret-pw\n")
    assert code == 0, out
    token = out.split("shown once): ")[1].strip()
    directory = StaffDirectory(sessions)
    assert directory.by_password("r7", "a-long-secret-pw").roles == {"reviewer"}
    assert directory.by_token(token).staff_id == "r7"
    with sessions() as db:
        row = db.get(StaffRow, "r7")
        hashes = list(db.scalars(select(StaffTokenRow.token_hash).where(StaffTokenRow.staff_id == "r7")))
        assert "a-long-secret-pw" not in row.password_hash and hashes and token not in hashes[0]


@pytest.mark.parametrize("argv,stdin,message", [
    (("add", "r8", "--name", "x", "--roles", "admin", "--password-stdin"), "a-long-secret-pw\n", "roles"),
    (("add", "r8", "--name", "x", "--roles", "agent", "--password-stdin"), "short\n", "at least"),
    (("add", "r 8", "--name", "x", "--roles", "agent", "--password-stdin"), "a-long-secret-pw\n", "staff id"),
    (("password", "nobody", "--password-stdin"), "a-long-secret-pw\n", "no staff account"),
])
def test_bad_requests_are_refused_with_a_reason_and_change_nothing(sessions, cli, argv, stdin, message):
    code, out = cli(*argv, stdin=stdin)
    assert code == 2 and message in out
    with sessions() as db:
        assert db.query(StaffRow).count() == 0


def test_prompted_passwords_must_match():
    answers = iter(["first-password", "second-password"])
    with pytest.raises(StaffError, match="differ"):
        staff_admin.read_password(False, prompt=lambda _: next(answers))


def test_a_new_password_or_removal_ends_the_console_logins(sessions, cli):
    assert cli("add", "a7", "--name", "客服 小赵", "--roles", "agent", "--password-stdin",
               stdin="first-long-password\n")[0] == 0
    logins = LoginSessions(sessions)
    login = logins.start(LoginKind.STAFF, "a7", timedelta(hours=1))
    assert logins.is_live(login, LoginKind.STAFF, "a7")
    assert cli("password", "a7", "--password-stdin", stdin="second-long-password\n")[0] == 0
    assert not logins.is_live(login, LoginKind.STAFF, "a7")
    assert StaffDirectory(sessions).by_password("a7", "second-long-password") is not None
    again = logins.start(LoginKind.STAFF, "a7", timedelta(hours=1))
    code, out = cli("remove", "a7")
    assert code == 0 and "1 console login" in out and not logins.is_live(again, LoginKind.STAFF, "a7")
    assert StaffDirectory(sessions).by_password("a7", "second-long-password") is None
