"""Notifications service: tells subscribed industry endpoints about contracts through signed
webhooks (Standard Webhooks), retrying for about 27 hours before giving up."""
