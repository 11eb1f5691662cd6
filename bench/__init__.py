"""Benchmarks of medreg on the real stack (PostgreSQL, RabbitMQ, real processes). See bench/README.md."""
