"""Database, repositories, unit of work, DNS and HTTP of the notifications service."""
