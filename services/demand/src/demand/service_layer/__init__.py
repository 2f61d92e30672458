"""Use cases of the demand service, as plain async functions over a unit of work."""
