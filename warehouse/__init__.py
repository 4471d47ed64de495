"""The DuckDB warehouse: connection, migrations, audit tables and what analysts read."""

from warehouse.db import WarehouseError, connect, transaction

__all__ = ["WarehouseError", "connect", "transaction"]
