from .base import (
    AuthenticationError,
    Backend,
    BackendError,
    ChangeBatch,
    ConflictError,
    ConnectionFailedError,
    ConnectionSettings,
    ItemNotFoundError,
    RemoteItem,
    ServerBusyError,
    SyncStateInvalidError,
    get_backend_class,
    register_backend,
)
from . import ews

__all__ = [
    "AuthenticationError",
    "Backend",
    "BackendError",
    "ChangeBatch",
    "ConflictError",
    "ConnectionFailedError",
    "ConnectionSettings",
    "ItemNotFoundError",
    "RemoteItem",
    "ServerBusyError",
    "SyncStateInvalidError",
    "ews",
    "get_backend_class",
    "register_backend",
]
