"""Plans: writes turned into a reviewed, signed document that is applied later, resumably.

- ``document``: the pure plan document (steps, MAC, secrets as placeholders, caps).
- ``refs``: ``{"$ref": "stepN.field"}`` references between steps.
- ``effects``: what each action creates, changes or deletes, and the ledger of a plan so far.
- ``checks``: what planning checks against the license (before values, warnings, expected failures).
- ``undo``: the plan that undoes an applied one.
- ``working``: a session's working plan in the state store.
- ``tracked``: a dict that remembers what changed since it was written (for the store logs).
- ``store``: stored plans (by id), their lifecycle records and their apply journals.
- ``lifecycle``: a stored plan's life (stored, approved/rejected, applied, undone; who and when).
- ``approvals``: who may approve a plan and whether it has its approvals (the policy's ``approvals``).
- ``review``: the plan as a person reads it (summary sentence, grouped lines, undo).

Applying a plan sends, so it is the call path's (server/calls/apply.py). This package may import
the store, safety, tools and errors; never the API client, the policies or the call path: what it
needs of them is handed in (``document.Upstream``: the client; ``checks.Reader``: the pipeline).
"""
