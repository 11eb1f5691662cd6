"""The OpenAPI 3.1 document of /api/v1 (kept beside the views it describes)."""
OPENAPI: dict = {"openapi": "3.1.0", "info": {"title": "medreg API", "version": "1"}, "paths": {}}
