"""Database, repositories and the unit of work of the demand service."""
