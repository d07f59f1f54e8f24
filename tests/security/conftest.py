"""Fixtures of the security tests."""
import io

import pytest

from bot.commands import staff as staff_admin


@pytest.fixture
def staff_cli(monkeypatch):
    """Run the staff command (`make staff ARGS=...`) against a given database; returns
    (exit code, output)."""
    def run(sessions, *argv, stdin=""):
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as patch:
            patch.setattr(staff_admin, "build_sessions", lambda settings: sessions)
            patch.setattr("sys.stdin", io.StringIO(stdin))
            patch.setattr("sys.stdout", out)
            patch.setattr("sys.stderr", err)
            code = staff_admin.main([str(a) for a in argv])
        return code, out.getvalue() + err.getvalue()
    return run
