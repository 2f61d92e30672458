"""Code that crosses service boundaries: event contracts, topics, messaging, settings,
logging, database and auth helpers. Services import this package, never each other."""
