"""A fake Microsoft Exchange Web Services server for tests; see server.py and README.md."""

from .mailbox import FakeItem, Folder, Mailbox
from .server import FakeExchangeServer
from .soap import SERVER_VERSION

__all__ = ["SERVER_VERSION", "FakeExchangeServer", "FakeItem", "Folder", "Mailbox"]
