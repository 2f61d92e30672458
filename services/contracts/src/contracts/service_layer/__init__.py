"""Use cases of the contracts service, as plain async functions over a unit of work."""
