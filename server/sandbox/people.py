"""The people of each sandbox license: its agents, who are also the accounts that sign in to it.

One list per license, read by the agents' seed (who the agents are), the other seeds (who is in
which group, who made a tag, who banned a customer) and the accounts service (who may sign in,
with which role). A signed-in account is therefore always an agent of its license, with its
role: ``whoami``, the audit log and per-person rules line up with the data.

Each person has a slot (what the seeds refer to) so the second license can have people of its
own while its configuration is seeded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

ACME_ORGANIZATION_ID = "390e44e6-f1e6-0368-c507-7c7f8c8de8c6"
GLOBEX_ORGANIZATION_ID = "7f3c1d2e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
SLOTS = ("owner", "viceowner", "admin", "agent", "awaiting", "suspended")


@dataclass(frozen=True)
class Person:
    slot: str
    email: str  # the agent id
    name: str
    role: str
    account_id: str


def _acme_account(n: int) -> str:
    return f"5b0d2a5c-8c1e-4b9e-9d2a-{n:012d}"


def _globex_account(n: int) -> str:
    return f"b2000000-0000-4000-8000-{n:012d}"


ACME = (
    Person("owner", "owner@example.com", "Olivia Owner", "owner", _acme_account(1)),
    Person("viceowner", "viceowner@example.com", "Victor Vice", "viceowner", _acme_account(2)),
    Person("admin", "jane@example.com", "Jane Doe", "administrator", _acme_account(3)),
    Person("agent", "john@example.com", "John Smith", "normal", _acme_account(4)),
    Person("awaiting", "awaiting@example.com", "Alex Awaiting", "normal", _acme_account(5)),
    Person("suspended", "suspended@example.com", "Sam Suspended", "normal", _acme_account(6)),
)
GLOBEX = (
    Person("owner", "owner@globex.example", "Gus Globex", "owner", _globex_account(1)),
    Person("viceowner", "vice@globex.example", "Greta Vice", "viceowner", _globex_account(2)),
    Person("admin", "admin@globex.example", "Gil Admin", "administrator", _globex_account(3)),
    Person("agent", "agent@globex.example", "Gina Agent", "normal", _globex_account(4)),
    Person("awaiting", "awaiting@globex.example", "Gabe Awaiting", "normal", _globex_account(5)),
    Person("suspended", "suspended@globex.example", "Gwen Suspended", "normal", _globex_account(6)),
)
PEOPLE = {ACME_ORGANIZATION_ID: ACME, GLOBEX_ORGANIZATION_ID: GLOBEX}


def people_of(organization_id: str) -> tuple[Person, ...]:
    """The license's people (a license the sandbox does not know gets Acme's: the default seed)."""
    return PEOPLE.get(organization_id, ACME)


def new_account_id(organization_id: str, n: int) -> str:
    """The n-th account id of the license (1-6: its seeded people; created agents are numbered from 100)."""
    return _globex_account(n) if organization_id == GLOBEX_ORGANIZATION_ID else _acme_account(n)


def email_of(organization_id: str, slot: str) -> str:
    return next(p.email for p in people_of(organization_id) if p.slot == slot)
