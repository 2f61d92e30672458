"""Delivery guarantees shared by every service: transactional outbox, idempotent
consumers (inbox), bounded retries and dead-letter topics."""
