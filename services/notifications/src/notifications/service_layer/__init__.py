"""Use cases of the notifications service, as plain async functions over a unit of work."""
