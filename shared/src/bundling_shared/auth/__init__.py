"""Bearer tokens (JWT) carrying a role and the nation or organisation behind it."""

from bundling_shared.auth.principal import Principal, Role

__all__ = ["Principal", "Role"]
