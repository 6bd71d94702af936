"""Security primitives: tokens, one-time codes, permission predicates, PII protection, ID numbers."""
