"""The web kit both services build on: errors, logging, sessions, auth, health."""
