"""Configuration from the environment, with development defaults (12-factor)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A configuration value is invalid."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    policy_file: Path
    demo_customer_id: str

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


def load_settings() -> Settings:
    """Read REFUND_* variables; see README.md, "Configuration"."""
    environment = os.environ.get("REFUND_ENV", "development")
    if environment not in ("development", "production", "test"):
        raise SettingsError("REFUND_ENV must be development, test or production")
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'refund.db'}"
    policy = Path(os.environ.get("REFUND_POLICY_FILE", PROJECT_ROOT / "policies" / "default.yml"))
    return Settings(
        environment=environment,
        database_url=os.environ.get("REFUND_DB_URL", default_db),
        policy_file=policy,
        demo_customer_id=os.environ.get("REFUND_DEMO_CUSTOMER", "c1001"),
    )
