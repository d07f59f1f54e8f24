"""Configuration from the environment, with development defaults (12-factor).

Development defaults for secrets are public: README.md says they must be replaced, and
production refuses to start with them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"
DEV_RASA_TOKEN = "dev-rasa-token-change-me"


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


def load_settings() -> Settings:
    """Read REFUND_* variables; see README.md, "Configuration"."""
    environment = os.environ.get("REFUND_ENV", "development")
    if environment not in ("development", "production", "test"):
        raise SettingsError("REFUND_ENV must be development, test or production")
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'refund.db'}"
    settings = Settings(
        environment=environment,
        database_url=os.environ.get("REFUND_DB_URL", default_db),
        policy_file=Path(os.environ.get("REFUND_POLICY_FILE", PROJECT_ROOT / "policies" / "default.yml")),
        demo_customer_id=os.environ.get("REFUND_DEMO_CUSTOMER", "c1001"),
        jwt_secret=os.environ.get("REFUND_JWT_SECRET", DEV_SECRET),
        rasa_url=os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=os.environ.get("REFUND_RASA_TOKEN", DEV_RASA_TOKEN),
        public_rasa_url=os.environ.get("REFUND_PUBLIC_RASA_URL",
                                       os.environ.get("REFUND_RASA_URL", "http://127.0.0.1:5005")).rstrip("/"),
        site_url=os.environ.get("REFUND_SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
        upload_dir=Path(os.environ.get("REFUND_UPLOAD_DIR", PROJECT_ROOT / "var" / "uploads")),
        upload_max_bytes=_int("REFUND_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        upload_max_files=_int("REFUND_UPLOAD_MAX_FILES", 10),
        upload_quota_bytes=_int("REFUND_UPLOAD_QUOTA_BYTES", 200 * 1024 * 1024),
        trusted_proxies=_count("REFUND_TRUSTED_PROXIES", 0),
    )
    if environment == "production":
        if settings.jwt_secret == DEV_SECRET or len(settings.jwt_secret) < 32:
            raise SettingsError("REFUND_JWT_SECRET must be set to a private value of 32+ characters")
        if settings.rasa_token == DEV_RASA_TOKEN:
            raise SettingsError("REFUND_RASA_TOKEN must be set to a private value")
    return settings
