"""The upstream LiveChat Configuration API: the client (``client``: one POST per action, retries,
regions, the request budget), credentials (``auth``), LiveChat's errors and what to do about each
(``errors``), and the per-license request budget (``ratelimit``).

May import the state store (the budget is kept there), safety (the scrubber) and errors; never
the catalogue's callers above it (plans, the call path, doors).
"""
