"""The tools beyond the catalogue (plans and their approvals, discovery, ChatGPT's search/fetch,
whoami) and the resources. Each reaches LiveChat only through the pipeline (apply_plan through its prepare and
execute, request by request: server/calls/apply.py), so the policy holds on these paths too.

``spec`` says what a meta tool is (and ``MetaTools``, the protocol its handler runs over);
``registry`` gathers the specs and implements it (``RuntimeMetaTools``); no spec imports the
registry. Their names are data in server/tools/meta_names.py, for the policy engine below.

May import the call path and everything below it; never auth or the doors.
"""
