"""HTTP routes and Kafka subscribers of the demand service."""
