"""The call path: one pipeline every door uses.

- ``context``: the three lifetimes (process ``App``, person, one ``CallContext``).
- ``runtime``: assembles the process ``App`` and the person calls run for.
- ``pipeline``: ``prepare`` (resolve, policy, validate) and ``execute`` (plan or send, redact,
  audit, result).
- ``confirm``: asking a person before a write is sent.
- ``audit``: the audit log.
- ``objects``: the license's objects as one addressable collection (search, fetch, resources).
"""
