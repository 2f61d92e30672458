"""Notifications service: tells subscribed industry endpoints about contracts through signed
webhooks (Standard Webhooks), retrying for a day and a half before giving up."""
