"""The web app (issue 19): server-rendered pages in French under ``/ui/``.

``login`` is the one module that proves who signs in (e-mail and password today; an
OIDC provider can replace it, docs/security.md); ``rendering`` holds the templates, the
error pages and the signed-in user; ``endpoints`` the pages, which call the service
functions of the other features (never HTTP to the service itself).
"""
