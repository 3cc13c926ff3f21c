"""Month partitions of the tables that grow with sessions (PostgreSQL only; docs/scale.md)."""
