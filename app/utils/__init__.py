"""Small helpers with no knowledge of HTTP or the database."""
