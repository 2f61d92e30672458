"""HTTP routes and Kafka subscribers of the notifications service."""
