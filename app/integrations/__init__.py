"""Adapters for every outside system (WeChat, SMS, court webhooks, QR codes, PDF)."""
