"""Plans: writes turned into a reviewed, signed document that is applied later, resumably.

- ``document``: the pure plan document (steps, MAC, secrets as placeholders, caps).
- ``refs``: ``{"$ref": "stepN.field"}`` references between steps.
- ``checks``: what planning checks against the license (before values, warnings, expected failures).
- ``undo``: the plan that undoes an applied one.
- ``working``: a session's working plan in the state store.
- ``store``: stored plans (by id) and their apply journals.
- ``apply``: applying a plan step by step.
"""
