"""The readable review of a plan (server/plans/review.py, issue 28): grouped lines, references
named as what they point at, the summary sentence, undo from the plan's own steps."""

from __future__ import annotations

from typing import Any

from server.plans.approvals import counted, refusal, status, why_not_approver
from server.plans.review import review
from server.policies.engine import Approvals


def doc(*steps: tuple[str, dict[str, Any], dict[str, Any]], checked: bool = True) -> dict[str, Any]:
    from server.tools import catalog

    return {"kind": "livechat-mcp/plan", "schema_version": 1, "max_batch_size": 50,
            "checks": {"checked": checked}, "summary": {}, "requests": [],
            "steps": [{"step": n, "action": a, "body": b, "destructive": catalog()[a].destructive, **info}
                      for n, (a, b, info) in enumerate(steps, 1)]}


def test_similar_steps_are_one_line_with_a_count_and_references_are_named() -> None:
    plan = doc(("create_bot", {"name": "Helper"}, {}),
               *[("create_agent", {"id": f"a{n}@x.com", "name": f"A{n}", "groups": [{"id": 3, "priority": "normal"}]}, {})
                 for n in range(3)],
               ("update_group", {"id": 3, "agent_priorities": {"$ref:step1.id": "first"}}, {}))
    r = review(plan)
    assert [line["text"] for line in r["lines"]] == [
        "Create bot “Helper”", "3 new agents join group 3",
        "Change group 3: agent_priorities → {the bot created in step 1, “Helper”: “first”}"]
    assert "$ref" not in str(r["lines"]) and "$ref" not in r["headline"]
    assert r["lines"][1]["items"] == [[2, "a0@x.com (A0)"], [3, "a1@x.com (A1)"], [4, "a2@x.com (A2)"]]
    assert r["refs"] == {"step1.id": "the bot created in step 1, “Helper”"}
    assert r["headline"].startswith("5 steps: create bot “Helper”; 3 new agents join group 3; ")


def test_an_unchecked_plan_says_so_and_undo_is_honest_about_what_it_cannot_read() -> None:
    plan = doc(("update_agent", {"id": "a@x.com", "job_title": "T"}, {}), ("delete_tag", {"name": "spam"}, {}),
               ("unban_customer", {"customer_id": "c1"}, {}), checked=False)
    r = review(plan)
    assert r["headline"] == ("3 steps: change agent a@x.com: job_title → “T”; delete tag spam; unban customer c1. "
                             "1 is destructive. Not checked against the license.")
    assert r["undo"]["reversible"] == 0 and len(r["undo"]["cannot_undo"]) == 3
    assert "values before were not read" in r["undo"]["cannot_undo"][0]
    assert [line["undo"] for line in r["lines"]] == ["none", "none", "none"]


def test_a_long_plan_names_four_lines_and_counts_the_rest() -> None:
    plan = doc(*[(a, b, {}) for a, b in [("create_tag", {"name": "t"}), ("delete_tag", {"name": "u"}),
                                         ("create_bot", {"name": "b"}), ("delete_bot", {"id": "x"}),
                                         ("suspend_agent", {"id": "s@x.com"}), ("unsuspend_agent", {"id": "s@x.com"})]])
    assert "; and 2 more steps. 3 are destructive." in review(plan)["headline"]
    assert review(doc())["headline"] == "An empty plan: nothing to apply."


RULE = Approvals(required=2, approver_roles=["owner", "viceowner"])
AUTHOR = {"id": "org:admin", "role": "administrator", "name": "Ada"}
OWNER = {"id": "org:owner", "role": "owner", "name": "Olivia"}
VICE = {"id": "org:vice", "role": "viceowner", "name": "Victor"}


def test_who_may_approve_and_what_counts() -> None:
    assert why_not_approver(RULE, OWNER, AUTHOR, "org") is None
    assert "role (administrator)" in str(why_not_approver(RULE, AUTHOR, OWNER, "org"))
    assert "you made this plan" in str(why_not_approver(RULE, OWNER, OWNER, "org"))
    assert "another license" in str(why_not_approver(RULE, {"id": "other:o", "role": "owner"}, AUTHOR, "org"))
    assert "signed in to the hosted server" in str(why_not_approver(RULE, {"id": "operator"}, AUTHOR, "org"))
    decisions = [{"decision": "approved", "by": OWNER, "mac": "m1"}, {"decision": "approved", "by": OWNER, "mac": "m1"},
                 {"decision": "approved", "by": VICE, "mac": "m0"}, {"decision": "approved", "by": AUTHOR, "mac": "m1"}]
    assert [d["by"]["id"] for d in counted(RULE, decisions, "m1", AUTHOR)] == ["org:owner"]  # once; other MAC; author
    assert status(RULE, decisions, "m1", AUTHOR)["missing"] == 1
    refused = refusal(RULE, decisions, "m1", AUTHOR, "p1")
    assert refused is not None and refused["rule"] == "approval" and "1 of 2" in refused["message"]
    both = [*decisions, {"decision": "approved", "by": VICE, "mac": "m1"}]
    assert refusal(RULE, both, "m1", AUTHOR, "p1") is None
    rejected = [*both, {"decision": "rejected", "by": VICE, "mac": "m1", "reason": "not now"}]
    stopped = refusal(RULE, rejected, "m1", AUTHOR, "p1")
    assert stopped is not None and "Rejected by Victor (viceowner): not now" in stopped["message"]
