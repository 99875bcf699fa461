"""``reglint server``: a Language Server (stdio) on pygls, an optional extra.

Nothing here is imported by ``reglint check``; pygls is imported only when the
server starts (:mod:`reglint.server.command`).
"""
