"""Models, one module per domain. Import `app.models.registry` to register every table on the metadata."""
