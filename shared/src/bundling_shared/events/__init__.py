"""Versioned event contracts, one module per bounded context.

Every event travels in an :class:`~bundling_shared.events.envelope.EventEnvelope`; the pair
(event_type, schema_version) names its payload schema. A change that breaks consumers gets
a new schema version beside the old one, never an edit of the old one.
"""
