"""The audit log: who read which activity, ARS or ROR data, and every admin action."""
