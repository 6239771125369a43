"""The call path: one pipeline every door uses.

Top to bottom within the package:
- ``runtime``: assembles the process ``App`` and the ``Principal`` calls run as (it builds their
  pipeline).
- ``apply``: applying a reviewed plan document, request by request through the pipeline.
- ``pipeline``: ``prepare`` (resolve, policy, validate) and ``execute`` (plan or send, redact,
  audit, result).
- ``context``: the three lifetimes (process ``App``, ``Principal``, one ``CallContext``).
- ``confirm``: asking a person before a write is sent.
- ``objects``: the license's objects as one addressable collection (search, fetch, resources),
  read through the pipeline it is handed (``ObjectSource``).
- ``audit``: the audit log.
- ``lifecycle``: storing a plan, recording its applies, approvals and the approval gate, each
  transition on the audit log naming the person.
- ``answers``: ``ToolResult`` and the answers every path gives alike.

May import plans, policies, api, sandbox, store, safety, tools and errors; never meta, auth or
the doors (they are built on it).
"""
