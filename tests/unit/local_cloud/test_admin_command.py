"""`python -m shop_tools admin` as an operator meets it: what it does with an email that exists,
where it takes the password from (never argv), and its one-line answers and exit codes. The core's
use cases are replaced by a small in-memory stand-in; tests/integration/test_admin_command.py runs
the real ones."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

import shop_tools.admin
from shop.domain.users import User
from shop.errors import EmailTaken, InvalidCredentials
from shop.services.auth import Promotion
from shop_tools.cli import main

EMAIL, PASSWORD = "root@example.com", "a long admin password"


class Accounts:
    def __init__(self) -> None:
        self.by_email: dict[str, tuple[str, User]] = {}
        self.calls = 0

    def add(self, email: str, password: str, role: str = "customer") -> None:
        user = User(f"u_{len(self.by_email)}", email, "N", role, False, datetime.now(UTC), "h")  # type: ignore[arg-type]
        self.by_email[email] = (password, user)

    def create_admin(self, email: str, password: str, name: str = "Administrator") -> str:
        self.calls += 1
        if email in self.by_email:
            raise EmailTaken()
        self.add(email, password, "admin")
        return self.by_email[email][1].id

    def promote_admin(self, email: str, password: str) -> Promotion:
        self.calls += 1
        known, user = self.by_email.get(email, ("", None))
        if user is None or known != password:
            raise InvalidCredentials()
        promoted = User(user.id, email, "N", "admin", False, user.created_at, "h")
        self.by_email[email] = (password, promoted)
        return Promotion(promoted, already_admin=user.role == "admin")


@pytest.fixture
def accounts(monkeypatch: pytest.MonkeyPatch) -> Accounts:
    accounts = Accounts()
    monkeypatch.setattr(shop_tools.admin, "local_environment", lambda url: None)
    monkeypatch.setattr(shop_tools.admin, "create_admin", accounts.create_admin)
    monkeypatch.setattr(shop_tools.admin, "promote_admin", accounts.promote_admin)
    monkeypatch.delenv("SHOP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    return accounts


def admin(*args: str) -> int:
    return main(["admin", "--email", EMAIL, "--emulator-url", "http://127.0.0.1:1", *args])


def test_it_creates_an_admin_with_the_password_from_the_environment(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    assert admin() == 0
    assert accounts.by_email[EMAIL][0] == PASSWORD and accounts.by_email[EMAIL][1].role == "admin"
    assert capsys.readouterr().out.startswith(f"Created the admin {EMAIL} (user id u_0)")


def test_it_refuses_an_email_that_has_an_account_unless_asked_to_promote(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts.add(EMAIL, "the squatter's password")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    assert admin() == 1
    assert accounts.by_email[EMAIL][1].role == "customer"
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1
    assert "already has an account; nothing was done" in out.err and "--promote" in out.err


def test_it_promotes_an_account_given_that_accounts_own_password(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts.add(EMAIL, PASSWORD)
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    assert admin("--promote") == 0
    assert accounts.by_email[EMAIL][1].role == "admin"
    assert capsys.readouterr().out.startswith(f"Promoted {EMAIL} to admin")
    assert admin("--promote") == 0
    assert "is an admin already" in capsys.readouterr().out


def test_it_refuses_to_promote_with_any_other_password(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts.add(EMAIL, "the squatter's password")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    assert admin("--promote") == 1
    assert accounts.by_email[EMAIL][1].role == "customer"
    assert "nothing was promoted" in capsys.readouterr().err


def test_it_reads_the_password_from_standard_input(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "not this one")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert admin("--password-stdin") == 0
    assert accounts.by_email[EMAIL][0] == PASSWORD


def test_it_asks_in_a_terminal_twice_when_creating(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, PASSWORD + " typo"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert admin() == 2
    assert accounts.calls == 0
    answers = iter([PASSWORD, PASSWORD])
    assert admin() == 0
    assert accounts.by_email[EMAIL][0] == PASSWORD


def test_a_password_on_the_command_line_is_refused(
    accounts: Accounts, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin("--password", PASSWORD) == 2
    assert accounts.calls == 0
    assert "shell history" in capsys.readouterr().err


def test_without_a_terminal_or_a_password_it_says_how_to_give_one(
    accounts: Accounts, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin() == 2
    assert accounts.calls == 0
    assert "set SHOP_ADMIN_PASSWORD, pass --password-stdin" in capsys.readouterr().err
