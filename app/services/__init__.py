"""Business rules and transactions, one module per domain; the HTTP layer calls only these."""
