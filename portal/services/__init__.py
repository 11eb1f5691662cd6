"""What the portal does, independent of how it is asked (JSON API or page): one module per domain concept."""
