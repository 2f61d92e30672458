"""Database, repositories and the unit of work of the contracts service."""
