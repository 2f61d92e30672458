"""The /v1 routes of the contracts service, one module per part of the domain."""
