"""What an operator sees of a running service besides its logs: Prometheus metrics and
OpenTelemetry traces."""
