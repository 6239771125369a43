"""Other: channels, plan limits, product source, bounced emails, company details.

Reference: "Other" in configuration-api-v3.6(-current).
"""

from typing import Literal

from pydantic import Field

from .catalog import Action, action
from .types import AgentId, Input

Plan = Literal["starter", "team", "enterprise", "enterpriseplus"]


class ListChannels(Input):
    pass


class CheckProductLimitsForPlan(Input):
    plan: Plan = Field(description="Plan to compare the organization's current resources with.")


class GetProductSource(Input):
    pass


class ReactivateEmail(Input):
    agent_id: AgentId = Field(description="ID (email) of the agent whose bounced email to reactivate.")


class UpdateCompanyDetails(Input):
    # Every field is a free string in both references (no value lists documented), so no enums.
    enrich: bool | None = Field(
        default=None, description="true: try to fill empty fields automatically from the company's domain."
    )
    audience: str | None = Field(default=None, description="Audience.")
    chat_purpose: str | None = Field(default=None, description="Chat purpose.")
    city: str | None = Field(default=None, description="City.")
    company: str | None = Field(default=None, description="Company name.")
    company_size: str | None = Field(default=None, description="Company size.")
    country: str | None = Field(default=None, description="Country.")
    invoice_email: str | None = Field(default=None, description="Invoice email.")
    invoice_name: str | None = Field(default=None, description="Invoice name.")
    nip: str | None = Field(default=None, description="Employer Identification Number.")
    postal_code: str | None = Field(default=None, description="Postal code.")
    state: str | None = Field(default=None, description="State.")
    street: str | None = Field(default=None, description="Street.")
    phone: str | None = Field(default=None, description="Phone.")
    province: str | None = Field(default=None, description="Province.")
    url: str | None = Field(default=None, description="Company website URL.")


ACTIONS: list[Action] = [
    action(
        "list_channels", "other", ListChannels,
        title="List channels",
        description="List the license's communication channels (code, direct_link, integration) with "
        "their first activity time.",
        scopes=(), write=False,  # documented "Required scopes: -"
    ),
    action(
        "check_product_limits_for_plan", "other", CheckProductLimitsForPlan,
        title="Check plan limits",
        description="List the resources that exceed a plan's limits (e.g. before a downgrade). Changes nothing. "
        "Its scope is private: most apps' tokens lack it.",
        # subscription.lc:rw is footnoted as private (not configurable in Developer Console), but
        # it is the method's required scope, not an extra: a token without it cannot call this.
        scopes=(("subscription.lc:rw",),), write=False,
        notes="subscription.lc:rw is a private scope that cannot be configured in Developer Console, "
        "so most apps' tokens cannot call this method.",
    ),
    action(
        "get_product_source", "other", GetProductSource,
        title="Get product source",
        description="Get the source parameters (source_id, source_type, source_url) passed when the "
        "LiveChat product was activated.",
        scopes=(), write=False,  # documented "Required scopes: -"
    ),
    action(
        "reactivate_email", "other", ReactivateEmail,
        title="Reactivate email",
        description="Reactivate an agent's email address after it bounced, so emails are sent to it again.",
        scopes=(("agents--all:rw",),), write=True, idempotent=True,
    ),
    action(
        "update_company_details", "other", UpdateCompanyDetails,
        title="Update company details",
        description="Update the license's company details; only the fields given change.",
        scopes=(("organization--my:rw",),), write=True, idempotent=True,
    ),
]
