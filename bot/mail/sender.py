"""Sending the outbox through the relay from the settings (REFUND_MAIL_RELAY); in development
without a relay, replies are written as .eml files under the mail directory's `sent/`."""
from __future__ import annotations

import logging
import smtplib
import ssl
from pathlib import Path
from typing import Tuple

from bot.mail.store import MailStore, Outgoing
from bot.observability import metrics
from bot.settings import MailSettings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30


class MailRelay:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, outgoing: Outgoing) -> Tuple[bool, str, bool]:
        """(sent, error, permanent): hand one reply to the relay (the envelope sender is the
        support address, so bounces come back to the intake, which never answers them)."""
        if self.settings.relay is None:
            return self._write_file(outgoing)
        host, port = self.settings.relay.rsplit(":", 1)
        try:
            if self.settings.relay_tls == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, int(port), timeout=TIMEOUT_SECONDS,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, int(port), timeout=TIMEOUT_SECONDS)
            with client:
                if self.settings.relay_tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.settings.relay_user:
                    client.login(self.settings.relay_user, self.settings.relay_password or "")
                client.sendmail(self.settings.address, [outgoing.to_address], outgoing.raw)
            return True, "", False
        except smtplib.SMTPRecipientsRefused as exc:
            return False, f"recipient refused: {exc}", _permanent(exc.recipients)
        except smtplib.SMTPResponseException as exc:
            return False, f"{exc.smtp_code} {exc.smtp_error!r}", 500 <= exc.smtp_code < 600
        except (OSError, smtplib.SMTPException) as exc:
            return False, f"{type(exc).__name__}: {exc}", False

    def _write_file(self, outgoing: Outgoing) -> Tuple[bool, str, bool]:
        folder = Path(self.settings.dir) / "sent"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{outgoing.outbox_id:06d}-{outgoing.message_id.split('@')[0]}.eml").write_bytes(outgoing.raw)
        return True, "", False


def _permanent(recipients: dict) -> bool:
    return any(500 <= int(code) < 600 for code, _ in recipients.values())


def deliver_due(store: MailStore, relay: MailRelay) -> int:
    """Send what is due in the outbox; how many went out. A failure is retried later."""
    sent = 0
    for outgoing in store.due():
        if not store.claim(outgoing):  # another round is sending it
            continue
        ok, error, permanent = relay.send(outgoing)
        if ok:
            store.sent(outgoing.outbox_id)
            sent += 1
            metrics.MAIL_REPLIES.labels(status="sent").inc()
        else:
            store.failed(outgoing, error, permanent)
            metrics.MAIL_REPLIES.labels(status="failed" if permanent else "retry").inc()
            logger.warning("reply %s not sent: %s", outgoing.outbox_id, error)
    return sent
