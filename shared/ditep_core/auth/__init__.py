"""API keys: generation, hashing, lookup and the typed FastAPI dependencies."""
