"""Configuration from the environment, with development defaults (12-factor).

REFUND_ENV must be set (`make run` and the tests set `development`; the deployment files
`production`): an unset one never silently means development. Development defaults for secrets
are public and used only with REFUND_ENV=development: `test` and `production` must set every
secret explicitly, the three secrets must differ from each other, and production refuses every
published development or test value (in any of the three variables), the `.env.example`
placeholders (CHANGE_ME…) and short secrets.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"
DEV_RASA_TOKEN = "dev-rasa-token-change-me"
DEV_ACTION_TOKEN = "dev-action-token-change-me"
PLACEHOLDER = "CHANGE_ME"
T = TypeVar("T", int, float)
# Secret -> (development default, shortest length production accepts).
SECRETS = {"REFUND_JWT_SECRET": (DEV_SECRET, 32), "REFUND_RASA_TOKEN": (DEV_RASA_TOKEN, 16),
           "REFUND_ACTION_TOKEN": (DEV_ACTION_TOKEN, 16)}
# Every secret value ever published with the project (the development defaults, and the fixed
# values the test harness used before it drew fresh ones per run): production refuses each in
# every secret variable, so one swapped between variables is refused too.
PUBLISHED_SECRETS = frozenset({DEV_SECRET, DEV_RASA_TOKEN, DEV_ACTION_TOKEN, "e2e-test-token-0123456789",
                               "e2e-test-secret-0123456789abcdef0123", "e2e-action-token-0123456789"})
ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A configuration value is invalid."""


MAIL_TLS_MODES = ("none", "starttls", "tls")


@dataclass(frozen=True)
class MailSettings:
    """The mail intake (bot/mail): where it listens, the support address, the outgoing relay."""

    address: str = "support@refund.example.com"  # the support address: replies come from it
    host: str = "127.0.0.1"  # the SMTP intake listens here (the provider's mail server relays to it)
    port: int = 2525
    http_port: int = 8025  # health, readiness and metrics
    relay: Optional[str] = None  # host:port of the outgoing relay; None (development only): files in dir/sent
    relay_user: Optional[str] = None
    relay_password: Optional[str] = None
    relay_tls: str = "none"  # none | starttls | tls
    dir: Path = PROJECT_ROOT / "var" / "mail"  # received messages, whole, under their SHA-256
    max_bytes: int = 25 * 1024 * 1024  # larger messages are refused during SMTP (the sender is told)
    per_sender_per_hour: int = 10  # answered per sender address; more are kept unanswered


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    policy_file: Path
    demo_customer_id: str
    jwt_secret: str
    rasa_url: str
    rasa_token: str
    public_rasa_url: str
    site_url: str
    upload_dir: Path
    upload_max_bytes: int
    upload_max_files: int
    upload_quota_bytes: int = 200 * 1024 * 1024
    trusted_proxies: int = 0  # reverse proxies in front of us whose X-Forwarded-For we believe
    action_token: str = DEV_ACTION_TOKEN  # Rasa proves itself to the action server with it
    redis_url: Optional[str] = None  # shared state of several instances; None: in memory
    socketio_channel: str = "refund-socketio"
    support_file: Path = PROJECT_ROOT / "config" / "support.yml"
    canned_replies_file: Path = PROJECT_ROOT / "config" / "canned_replies.yml"  # agents' ready-made replies
    # Evaluation sets: read only to keep their sentences out of the NLU review export.
    eval_dir: Path = PROJECT_ROOT.parent / "shared" / "eval"
    login_failures_per_account: int = 5
    login_failures_per_ip: int = 50
    messages_per_minute: int = 30
    uploads_per_10_minutes: int = 30
    # New chat conversations and new requests for a person, per logged-in customer or per guest address.
    conversations_per_10_minutes: int = 30
    handoffs_per_10_minutes: int = 5
    widget_message_delay_ms: int = 300
    handoff_sweep_seconds: float = 10.0
    # Auto-assignment: a new live handoff goes round-robin to an agent logged in with fewer than
    # `agent_capacity` conversations; off, agents claim from the queue themselves.
    auto_assign: bool = False
    agent_capacity: int = 3
    # A customer waiting longer than this is marked and sorted first in the console's queue.
    long_wait_seconds: float = 300.0
    retention_days: int = 180
    tracker_db_url: Optional[str] = None  # Rasa's SQL tracker store; None: database_url
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055
    mail: "MailSettings" = field(default_factory=lambda: MailSettings())

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


def _number(name: str, default: T, parse: Callable[[str], T], kind: str, valid: Callable[[T], bool],
            rule: str) -> T:
    """A number from the environment: `default` when unset, else parsed and checked."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from exc
    if not valid(value):
        raise SettingsError(f"{name} must be {rule}")
    return value


def _int(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number", lambda value: value > 0, "positive")


def _seconds(name: str, default: float) -> float:
    return _number(name, default, float, "a number of seconds", lambda value: 0 < value < 86400,
                   "more than 0 and less than a day of seconds")


MAX_AGENT_CAPACITY = 20  # conversations one agent can follow at once; more is a typo


def _capacity(name: str, default: int) -> int:
    value = _int(name, default)
    if value > MAX_AGENT_CAPACITY:
        raise SettingsError(f"{name} must be between 1 and {MAX_AGENT_CAPACITY}, got {value}")
    return value


def _switch(name: str, default: bool) -> bool:
    """An on/off setting: on, off, true, false, 1 or 0."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in ("on", "off", "true", "false", "1", "0"):
        raise SettingsError(f"{name} must be on or off, got {raw!r}")
    return value in ("on", "true", "1")


def _port(name: str, default: int) -> int:
    value = _int(name, default)
    if value > 65535:
        raise SettingsError(f"{name} must be a port number (1-65535), got {value}")
    return value


def _optional(name: str) -> Optional[str]:
    return os.environ.get(name) or None


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be 0 or a positive whole number, got {raw!r}")
    return int(raw)


def client_address(peer: str, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The customer's address: the peer itself, or, behind `trusted_proxies` proxies, the
    entry that many hops from the end of X-Forwarded-For (earlier entries are forgeable)."""
    if trusted_proxies <= 0 or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return hops[-trusted_proxies] if len(hops) >= trusted_proxies else peer


def _secret(name: str, environment: str) -> str:
    """A secret: the public default in development only; in production private and long."""
    default, min_length = SECRETS[name]
    raw = os.environ.get(name, "")
    if not raw:
        if environment == "development":
            return default
        raise SettingsError(f"{name} must be set when REFUND_ENV={environment}")
    if environment == "production" and (raw in PUBLISHED_SECRETS or len(raw) < min_length):
        raise SettingsError(f"{name} must be set to a private value of {min_length}+ characters "
                            "(not a development or test value)")
    return raw


def _secrets(environment: str) -> Dict[str, str]:
    """The three secrets, checked one by one and then against each other: outside development
    each must be its own value (one leaked secret must not give away the others)."""
    values = {name: _secret(name, environment) for name in SECRETS}
    if environment != "development":
        names = sorted(values)
        for index, name in enumerate(names):
            for other in names[index + 1:]:
                if values[name] == values[other]:
                    raise SettingsError(f"{name} and {other} must be different values")
    return values


def _refuse_placeholders(environment: str) -> None:
    """Production refuses any REFUND_* value still holding a `.env.example` placeholder."""
    if environment != "production":
        return
    for name, value in sorted(os.environ.items()):
        if name.startswith("REFUND_") and PLACEHOLDER in value.upper():
            raise SettingsError(f"{name} still contains the placeholder {PLACEHOLDER}: set a real value")


def current_environment() -> str:
    """REFUND_ENV alone (development, test or production), for code that needs no secrets.
    It has no default: a service started without it would otherwise run with the public
    development secrets."""
    environment = os.environ.get("REFUND_ENV")
    if environment is None:
        raise SettingsError("REFUND_ENV must be set: production for a deployment (the deployment files set it), "
                            "development on a developer's machine (make run and the tests set it)")
    if environment not in ENVIRONMENTS:
        raise SettingsError("REFUND_ENV must be development, test or production")
    return environment


def load_settings() -> Settings:
    """Read and check every variable; see README.md, "Configuration"."""
    environment = current_environment()
    _refuse_placeholders(environment)
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'refund.db'}"
    secrets = _secrets(environment)
    settings = Settings(
        environment=environment,
        database_url=os.environ.get("REFUND_DB_URL", default_db),
        policy_file=Path(os.environ.get("REFUND_POLICY_FILE", PROJECT_ROOT / "policies" / "default.yml")),
        demo_customer_id=os.environ.get("REFUND_DEMO_CUSTOMER", "c1001"),
        jwt_secret=secrets["REFUND_JWT_SECRET"],
        rasa_url=os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=secrets["REFUND_RASA_TOKEN"],
        action_token=secrets["REFUND_ACTION_TOKEN"],
        public_rasa_url=os.environ.get("REFUND_PUBLIC_RASA_URL",
                                       os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005")).rstrip("/"),
        site_url=os.environ.get("REFUND_SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
        upload_dir=Path(os.environ.get("REFUND_UPLOAD_DIR", PROJECT_ROOT / "var" / "uploads")),
        upload_max_bytes=_int("REFUND_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        upload_max_files=_int("REFUND_UPLOAD_MAX_FILES", 10),
        upload_quota_bytes=_int("REFUND_UPLOAD_QUOTA_BYTES", 200 * 1024 * 1024),
        trusted_proxies=_count("REFUND_TRUSTED_PROXIES", 0),
        redis_url=_optional("REFUND_REDIS_URL"),
        socketio_channel=os.environ.get("REFUND_SOCKETIO_CHANNEL", "refund-socketio"),
        support_file=Path(os.environ.get("REFUND_SUPPORT_FILE", PROJECT_ROOT / "config" / "support.yml")),
        eval_dir=Path(os.environ.get("REFUND_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "eval")),
        login_failures_per_account=_int("REFUND_LOGIN_FAILURES_PER_ACCOUNT", 5),
        login_failures_per_ip=_int("REFUND_LOGIN_FAILURES_PER_IP", 50),
        messages_per_minute=_int("REFUND_MESSAGES_PER_MINUTE", 30),
        uploads_per_10_minutes=_int("REFUND_UPLOADS_PER_10_MINUTES", 30),
        conversations_per_10_minutes=_int("REFUND_CONVERSATIONS_PER_10_MINUTES", 30),
        handoffs_per_10_minutes=_int("REFUND_HANDOFFS_PER_10_MINUTES", 5),
        widget_message_delay_ms=_count("REFUND_WIDGET_MESSAGE_DELAY_MS", 300),
        handoff_sweep_seconds=_seconds("REFUND_HANDOFF_SWEEP_SECONDS", 10.0),
        auto_assign=_switch("REFUND_AUTO_ASSIGN", False),
        agent_capacity=_capacity("REFUND_AGENT_CAPACITY", 3),
        long_wait_seconds=_seconds("REFUND_LONG_WAIT_SECONDS", 300.0),
        retention_days=_int("REFUND_RETENTION_DAYS", 180),
        tracker_db_url=_optional("REFUND_TRACKER_DB_URL"),
        web_host=os.environ.get("REFUND_WEB_HOST", "127.0.0.1"),
        web_port=_port("REFUND_WEB_PORT", 8000),
        actions_host=os.environ.get("SANIC_HOST", "127.0.0.1"),
        actions_port=_port("REFUND_ACTIONS_PORT", 5055),
        mail=_mail_settings(),
    )
    return settings


def _mail_settings() -> MailSettings:
    """The mail intake's settings (the intake itself refuses to run in production without a relay)."""
    relay = _optional("REFUND_MAIL_RELAY")
    if relay is not None and not re.fullmatch(r"[A-Za-z0-9.\-]+:\d{1,5}", relay):
        raise SettingsError(f"REFUND_MAIL_RELAY must be host:port, got {relay!r}")
    tls = os.environ.get("REFUND_MAIL_RELAY_TLS", "none")
    if tls not in MAIL_TLS_MODES:
        raise SettingsError(f"REFUND_MAIL_RELAY_TLS must be one of {', '.join(MAIL_TLS_MODES)}, got {tls!r}")
    address = os.environ.get("REFUND_MAIL_ADDRESS", "support@refund.example.com").strip().lower()
    if not re.fullmatch(r"[^@\s<>]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", address):
        raise SettingsError(f"REFUND_MAIL_ADDRESS must be an e-mail address, got {address!r}")
    return MailSettings(
        address=address, host=os.environ.get("REFUND_MAIL_HOST", "127.0.0.1"),
        port=_port("REFUND_MAIL_PORT", 2525), http_port=_port("REFUND_MAIL_HTTP_PORT", 8025),
        relay=relay, relay_user=_optional("REFUND_MAIL_RELAY_USER"),
        relay_password=_optional("REFUND_MAIL_RELAY_PASSWORD"), relay_tls=tls,
        dir=Path(os.environ.get("REFUND_MAIL_DIR", PROJECT_ROOT / "var" / "mail")),
        max_bytes=_int("REFUND_MAIL_MAX_BYTES", 25 * 1024 * 1024),
        per_sender_per_hour=_int("REFUND_MAIL_PER_SENDER_PER_HOUR", 10))
