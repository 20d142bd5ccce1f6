"""Validity benchmark: the checks against human labels on replies nobody tuned them on (`make validity`)."""
