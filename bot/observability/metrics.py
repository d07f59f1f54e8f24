"""Prometheus metrics. Each service exposes its own registry at /metrics (internal port only;
the public proxy does not forward it):

* Rasa (custom channel): messages by outcome, turn latency;
* action server: action runs, errors and latency, fallbacks, handoffs requested;
* website: HTTP requests, and tickets / handoffs by state read from the database at scrape time;
* mail intake: messages by outcome, refused transactions, replies sent, handling time.
"""
from __future__ import annotations

import logging
from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

disable_created_metrics()  # the *_created series only add noise here
REGISTRY = CollectorRegistry()

MESSAGES = Counter("refund_messages", "Customer messages received by the chat channel, by outcome "
                   "(answered, queued, with_agent, failed, too_long, empty, malformed, rate_limited, no_session).",
                   ["outcome"], registry=REGISTRY)
TURN_SECONDS = Histogram("refund_turn_seconds", "Time from a customer message to the end of the bot's answer.",
                         buckets=LATENCY_BUCKETS, registry=REGISTRY)
ACTION_RUNS = Counter("refund_action_runs", "Custom action calls, by action.", ["action"], registry=REGISTRY)
ACTION_ERRORS = Counter("refund_action_errors", "Custom action calls that failed (HTTP 5xx to Rasa), by action.",
                        ["action"], registry=REGISTRY)
ACTION_SECONDS = Histogram("refund_action_seconds", "Custom action latency.", ["action"],
                           buckets=LATENCY_BUCKETS, registry=REGISTRY)
FALLBACKS = Counter("refund_fallbacks", "Turns the assistant did not understand (fallback action runs).",
                    registry=REGISTRY)
HANDOFFS = Counter("refund_handoffs_requested", "Handoffs to a human requested, by reason.", ["reason"],
                   registry=REGISTRY)
HTTP_REQUESTS = Counter("refund_http_requests", "Website HTTP requests, by route and status class.",
                        ["route", "status"], registry=REGISTRY)
HTTP_SECONDS = Histogram("refund_http_seconds", "Website HTTP latency, by route.", ["route"],
                         buckets=LATENCY_BUCKETS, registry=REGISTRY)
MAIL_RECEIVED = Counter("refund_mail_received", "Messages the mail intake accepted, by outcome (bot.vocabulary.MailOutcome).",
                        ["outcome"], registry=REGISTRY)
MAIL_REFUSED = Counter("refund_mail_refused", "SMTP transactions the mail intake refused, by reason "
                       "(recipient, flood, too_large, error).", ["reason"], registry=REGISTRY)
MAIL_REPLIES = Counter("refund_mail_replies", "Replies handed to the relay (sent) or not (retry, failed).",
                       ["status"], registry=REGISTRY)
MAIL_SECONDS = Histogram("refund_mail_seconds", "Time to read and answer one received message.",
                         buckets=LATENCY_BUCKETS, registry=REGISTRY)


class DatabaseCollector(Collector):
    """Tickets and handoffs by state, counted in the shared database when scraped (so every
    web instance reports the same, true numbers)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from bot.storage.schema import HandoffRow, TicketRow

        tickets = GaugeMetricFamily("refund_tickets", "Refund tickets by state.", labels=["state"])
        handoffs = GaugeMetricFamily("refund_handoffs", "Handoffs by state.", labels=["state"])
        try:
            with self.sessions() as db:
                for state, count in db.execute(select(TicketRow.status, func.count()).group_by(TicketRow.status)):
                    tickets.add_metric([state], count)
                for state, count in db.execute(select(HandoffRow.status, func.count()).group_by(HandoffRow.status)):
                    handoffs.add_metric([state], count)
        except SQLAlchemyError:  # the database is down: still serve the process metrics
            logging.getLogger(__name__).warning("metrics: could not count tickets and handoffs")
            return
        yield tickets
        yield handoffs


def database_registry(sessions: sessionmaker) -> CollectorRegistry:
    """A registry with the process metrics plus the database gauges (for the website)."""
    registry = CollectorRegistry()
    registry.register(_Chain(REGISTRY))
    registry.register(DatabaseCollector(sessions))
    return registry


class _Chain(Collector):
    def __init__(self, inner: CollectorRegistry) -> None:
        self.inner = inner

    def collect(self):
        return self.inner.collect()


def render(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The registry in Prometheus' text exposition format."""
    return generate_latest(registry)
