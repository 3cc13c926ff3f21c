"""People who sign in to the web app: roles, passwords, lockout (issue 19)."""
