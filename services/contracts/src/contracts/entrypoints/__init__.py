"""HTTP routes and Kafka subscribers of the contracts service."""
