"""The admin command line, `ditep`: composes the services for admins and scripts."""
