"""What leaves the process: secrets kept out (``redact``), license text sanitized and marked as
data (``untrusted``).

Imports nothing of this project: every layer above may use it.
"""
