"""Configuration from the environment, with development defaults (12-factor).

Development defaults for secrets are public and used only with REFUND_ENV=development:
`test` and `production` must set every secret explicitly, and production refuses the
development values, the `.env.example` placeholders (CHANGE_ME…) and short secrets.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"
DEV_RASA_TOKEN = "dev-rasa-token-change-me"
DEV_ACTION_TOKEN = "dev-action-token-change-me"
PLACEHOLDER = "CHANGE_ME"
# Secret -> (development default, shortest length production accepts).
SECRETS = {"REFUND_JWT_SECRET": (DEV_SECRET, 32), "REFUND_RASA_TOKEN": (DEV_RASA_TOKEN, 16),
           "REFUND_ACTION_TOKEN": (DEV_ACTION_TOKEN, 16)}


class SettingsError(ValueError):
    """A configuration value is invalid."""


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

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


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
    if environment == "production" and (raw == default or len(raw) < min_length):
        raise SettingsError(f"{name} must be set to a private value of {min_length}+ characters")
    return raw


def _refuse_placeholders(environment: str) -> None:
    """Production refuses any REFUND_* value still holding a `.env.example` placeholder."""
    if environment != "production":
        return
    for name, value in sorted(os.environ.items()):
        if name.startswith("REFUND_") and PLACEHOLDER in value.upper():
            raise SettingsError(f"{name} still contains the placeholder {PLACEHOLDER}: set a real value")


def load_settings() -> Settings:
    """Read REFUND_* variables; see README.md, "Configuration"."""
    environment = os.environ.get("REFUND_ENV", "development")
    if environment not in ("development", "production", "test"):
        raise SettingsError("REFUND_ENV must be development, test or production")
    _refuse_placeholders(environment)
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'refund.db'}"
    settings = Settings(
        environment=environment,
        database_url=os.environ.get("REFUND_DB_URL", default_db),
        policy_file=Path(os.environ.get("REFUND_POLICY_FILE", PROJECT_ROOT / "policies" / "default.yml")),
        demo_customer_id=os.environ.get("REFUND_DEMO_CUSTOMER", "c1001"),
        jwt_secret=_secret("REFUND_JWT_SECRET", environment),
        rasa_url=os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=_secret("REFUND_RASA_TOKEN", environment),
        action_token=_secret("REFUND_ACTION_TOKEN", environment),
        public_rasa_url=os.environ.get("REFUND_PUBLIC_RASA_URL",
                                       os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005")).rstrip("/"),
        site_url=os.environ.get("REFUND_SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
        upload_dir=Path(os.environ.get("REFUND_UPLOAD_DIR", PROJECT_ROOT / "var" / "uploads")),
        upload_max_bytes=_int("REFUND_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        upload_max_files=_int("REFUND_UPLOAD_MAX_FILES", 10),
        upload_quota_bytes=_int("REFUND_UPLOAD_QUOTA_BYTES", 200 * 1024 * 1024),
        trusted_proxies=_count("REFUND_TRUSTED_PROXIES", 0),
    )
    return settings
