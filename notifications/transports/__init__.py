"""Channel backends, chosen by settings like Django's e-mail backends (see base.get_transport)."""

from .base import Outcome, Transport, TransportError, get_transport

__all__ = ["Outcome", "Transport", "TransportError", "get_transport"]
