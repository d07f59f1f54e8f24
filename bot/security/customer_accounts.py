"""Customer accounts as the website, the console and the mail intake see them: names, the
website login and the registered e-mail address."""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.billing.models import Customer
from bot.security.passwords import verify_password
from bot.storage.schema import CustomerRow


class CustomerAccounts:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self, customer_id: str) -> Optional[Customer]:
        with self._sessions() as session:
            row = session.get(CustomerRow, customer_id) if customer_id else None
            return _customer(row) if row else None

    def by_password(self, customer_id: str, password: str) -> Optional[Customer]:
        """The customer if the password is theirs, else None (an unknown customer takes as long)."""
        with self._sessions() as session:
            row = session.get(CustomerRow, customer_id) if customer_id else None
            valid = verify_password(password, row.password_hash if row else None)
            return _customer(row) if row is not None and valid else None

    def by_email(self, address: Optional[str]) -> Optional[Customer]:
        """The customer whose registered address this is (case-insensitive), else None. An
        e-mail's From line can be forged: mail about the account goes to `email_of`, never to
        the sender."""
        address = (address or "").strip().lower()
        if not address:
            return None
        with self._sessions() as session:
            row = session.scalars(select(CustomerRow).where(CustomerRow.email == address)).first()
            return _customer(row) if row else None

    def email_of(self, customer_id: str) -> Optional[str]:
        """The customer's registered e-mail address, or None."""
        with self._sessions() as session:
            return session.scalar(select(CustomerRow.email).where(CustomerRow.customer_id == customer_id))

    def names(self, customer_ids: Iterable[str]) -> Dict[str, str]:
        """Display names of several customers in one query."""
        wanted = {c for c in customer_ids if c}
        if not wanted:
            return {}
        with self._sessions() as session:
            rows = session.execute(select(CustomerRow.customer_id, CustomerRow.name)
                                   .where(CustomerRow.customer_id.in_(wanted)))
            return {customer_id: name for customer_id, name in rows}

    def named_like(self, text: str, limit: int = 50) -> Tuple[str, ...]:
        """Ids of customers whose name contains `text` (the console's search)."""
        text = text.strip()
        if not text:
            return ()
        with self._sessions() as session:
            rows = session.scalars(select(CustomerRow.customer_id).where(CustomerRow.name.contains(text, autoescape=True))
                                   .limit(limit))
            return tuple(rows)


def _customer(row: CustomerRow) -> Customer:
    return Customer(row.customer_id, row.name, row.is_demo)
