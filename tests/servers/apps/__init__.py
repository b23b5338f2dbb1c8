"""One small app per framework, each wrapped by ``MaintenanceModeMiddleware``, served as
``tests.servers.apps.<module>:app``.

Every app has the same surface: ``GET /`` answers ``{"started": <lifespan startup ran>}``,
``GET /health`` stays up during maintenance; the FastAPI app's ``/ws`` greets and waits for
the client to close. The backend comes from ``FASTAPI_MAINTENANCE_BACKEND``; lifespan events
are appended to the file named by ``LIFESPAN_LOG_VAR``.
"""
