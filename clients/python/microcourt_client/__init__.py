"""A Python client for court case-management systems talking to Micro Court (docs/clients.md).

Standard library only: `MicroCourtClient` (client-credentials token refreshed before it expires, document push
single and batch with Idempotency-Keys that stay the same on every retry, retries on 429/503 honouring
Retry-After, the service certificate, webhook subscriptions) and `verify_signature` for webhook receivers.
"""

from microcourt_client.client import ApiError, BatchItem, MicroCourtClient, Response
from microcourt_client.signatures import verify_signature

__all__ = ["ApiError", "BatchItem", "MicroCourtClient", "Response", "verify_signature"]
