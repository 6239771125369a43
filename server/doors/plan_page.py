"""The hosted page ``/plans/{id}``: a stored plan reviewed and approved (or rejected) in a browser,
behind the same LiveChat sign-in as the MCP clients (approvals for teams, issue 28).

- ``GET /plans/{id}``: without a page session, the person is sent to LiveChat's sign-in (our
  PKCE, a single-use state, the browser bound by a cookie) and comes back through
  ``/oauth/callback`` (the LiveChat app's one redirect URI: server/doors/hosted.py hands the
  page's sign-ins here, MCP clients' to server/auth/flow.py). The LiveChat token is used once, to
  read who they are (account, license, role), then revoked: the page acts on nothing at
  LiveChat. A page session (cookie on ``/plans``, an hour, sealed in the store) then holds the
  person and the CSRF token of their forms.
- With a session: the plan as every door reviews it (server/doors/review_app.html with the plan
  embedded, the same renderer as in MCP Apps hosts), where it stands, and Approve / Reject forms
  only where this person may decide (server/plans/approvals.py). A plan of another license is
  answered like an unknown one.
- ``POST /plans/{id}/approve`` and ``/reject``: the session's person, the form's CSRF token, the
  MAC shown on the page (a decision counts for exactly that plan), Origin when sent. One
  transition and one audit line naming the person (server/calls/lifecycle.py ``decide``), then
  back to the page (303), which says what happened.

Strict CSP: scripts and styles only by the hashes of the page's own inline ones, no other
source at all, forms only to this server, no framing, no referrer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from functools import cache
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..auth.livechat import AccountsClient, AccountsError
from ..auth.pages import page as plain_page
from ..auth.records import Records, digest, new_secret
from ..auth.settings import OAuthSettings
from ..calls.lifecycle import decide
from ..calls.runtime import Runtime
from ..plans import approvals
from ..plans.lifecycle import LifeError, PlanLife, person
from ..plans.review import review
from ..plans.store import PlanStore
from ..store import StoreUnavailable
from . import review_app

SIGN_IN = "pages.signin"  # LiveChat state -> the page sign-in waiting for it (sealed)
SESSIONS = "pages.sessions"  # sha256(cookie) -> the signed-in person and their CSRF token (sealed)
COOKIE = "livechat_mcp_plans"
SIGN_IN_COOKIE = "livechat_mcp_plans_signin"
SESSION_TTL = 3600
MAX_ID = 64
_ID = re.compile(r"^[0-9a-f]{1,64}$")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def _template() -> tuple[str, str]:
    """The review app as the hosted page serves it (its CSP from the header, a slot for the plan
    after <body>) and that header's Content-Security-Policy."""
    html = review_app.html()
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    csp = ("default-src 'none'; script-src " + " ".join(_hash(s) for s in scripts) + "; style-src "
           + " ".join(_hash(s) for s in styles) + "; img-src data:; form-action 'self'; base-uri 'none'")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>',
                  f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">', html, count=1)
    csp += "; frame-ancestors 'none'"  # honoured only as a header
    html = html.replace("<body>", "<body>\x00PLAN\x00", 1)
    return html, csp


def _headers(csp: str) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _embed(data: dict[str, Any]) -> str:
    """JSON inside a non-executed <script> block: nothing in it can close the block or start markup."""
    text = json.dumps(data, ensure_ascii=False).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="plan-data">{text}</script>'


class PlanPages:
    def __init__(self, runtime: Runtime, settings: OAuthSettings, records: Records, accounts: AccountsClient) -> None:
        self.runtime = runtime  # the hosted process's (its store, audit sink and the operator's policy)
        self.settings = settings
        self.records = records
        self.accounts = accounts

    def routes(self) -> list[Route]:
        return [
            Route("/plans/{plan_id}", self.show, methods=["GET"]),
            Route("/plans/{plan_id}/approve", self.approve, methods=["POST"]),
            Route("/plans/{plan_id}/reject", self.reject, methods=["POST"]),
        ]

    # --- pages -----------------------------------------------------------------------------------

    def _message(self, title: str, message: str, status: int) -> HTMLResponse:
        body = f'<p role="alert">{escape(message)}</p>'
        return HTMLResponse(plain_page(self.settings.name, title, body), status_code=status,
                            headers=_headers("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                                             "base-uri 'none'; form-action 'none'"))

    def _not_found(self, pid: str) -> HTMLResponse:
        return self._message("No such plan", f"There is no stored plan {pid} for your license (plans expire "
                             "after 30 days).", 404)

    async def show(self, request: Request) -> Response:
        try:
            return await self._show(request)
        except StoreUnavailable:
            return self._unavailable()

    def _unavailable(self) -> HTMLResponse:
        return self._message("Try again", "The server's state store did not answer; nothing was recorded. Reload "
                             "in a moment.", 503)

    async def _show(self, request: Request) -> Response:
        pid = request.path_params["plan_id"]
        if not _ID.match(pid):
            return self._not_found(pid[:MAX_ID])
        session = await self._session(request)
        if session is None:
            return await self._sign_in(f"/plans/{pid}")
        notice = {"approved": "You approved this plan.", "rejected": "You rejected this plan."}.get(
            request.query_params.get("done", ""))
        return await self._plan_page(pid, session, notice)

    async def _plan_page(self, pid: str, session: dict[str, Any], notice: str | None = None,
                         status: int = 200) -> Response:
        me = session["person"]
        try:
            plans = PlanStore(self.runtime.store)
            record, life = await plans.get(pid), await plans.life(pid)
        except StoreUnavailable:
            return self._unavailable()
        if record is None or life is None or not self._may_see(life, me):
            return self._not_found(pid)
        doc = {**record["document"], "plan_id": pid}
        readable = review(doc)
        headline = readable.pop("headline")
        plan = {"headline": headline, **doc, "review": readable, "next": self._next(life, me, pid),
                "lifecycle": life.view(self.runtime.policy.policy.approvals, history=True)}
        data = {"plan": plan, "page": {"approve": f"/plans/{pid}/approve", "reject": f"/plans/{pid}/reject",
                                       "csrf": session["csrf"], **({"notice": notice} if notice else {})}}
        html, csp = _template()
        return HTMLResponse(html.replace("\x00PLAN\x00", _embed(data)), status_code=status, headers=_headers(csp))

    def _may_see(self, life: PlanLife | None, me: dict[str, Any]) -> bool:
        """Under approvals, the people of the plan's license; without, its author only (as the MCP
        door's livechat://plans/{id}: server/calls/lifecycle.py may_see)."""
        if life is None:
            return False
        if self.runtime.policy.policy.approvals is None:
            return hmac.compare_digest(str(life.author.get("id", "")).encode(), str(me.get("id", "")).encode())
        return bool(life.organization_id) and life.organization_id == me.get("organization_id")

    def _next(self, life: PlanLife, me: dict[str, Any], pid: str) -> dict[str, Any]:
        """What this person can do on the page: Approve / Reject where they may; never Apply
        (a page sends nothing to LiveChat): the words say who applies it and how."""
        rule = self.runtime.policy.policy.approvals
        where = f"{life.text(rule)}"
        if rule is None:
            return {"apply": False, "discard": False,
                    "how": f"{where} This deployment does not require approvals: there is nothing to approve here."}
        status = life.status(rule)
        # Until it is applied, where its approvals stand (the review app says who made it and when).
        where = status["text"]
        out: dict[str, Any] = {"apply": False, "discard": False,
                               "approvals": {"text": status["text"], "required": status["required"],
                                             "missing": status["missing"], "approved": status["approved"]}}
        why = approvals.why_not_approver(rule, me, life.author, life.organization_id)
        mine = any(d.get("by", {}).get("id") == me.get("id") for d in status["approved_by"])
        apply_how = (f"{approvals.who(life.author)} or anyone of the license allowed to write applies it: apply_plan "
                     f"with its plan_id and mac in their client, or `livechat-mcp plans apply {pid} --allow-writes`.")
        if life.state in ("applied", "partly_applied", "undone"):
            out["how"] = life.text(rule)
        elif "rejected" in status:
            out["how"] = f"{where} It cannot be applied: a new plan needs its own approval."
        elif status["approved"]:
            out["how"] = f"{where} {apply_how}"
        elif why is None and not mine:
            out["approve"] = True
            out["how"] = (f"{where} You may approve it, or reject it with a reason for its author. Once approved, "
                          f"{apply_how}")
        else:
            reason = "you approved it already" if mine else why
            out["how"] = f"{where} You cannot decide it here: {reason}."
        return out

    # --- decisions -------------------------------------------------------------------------------

    async def approve(self, request: Request) -> Response:
        try:
            return await self._decide(request, "approved")
        except StoreUnavailable:
            return self._unavailable()

    async def reject(self, request: Request) -> Response:
        try:
            return await self._decide(request, "rejected")
        except StoreUnavailable:
            return self._unavailable()

    async def _decide(self, request: Request, decision: Any) -> Response:
        pid = request.path_params["plan_id"]
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin.rstrip("/") != self.settings.public_url:
            return self._message("Refused", "This form was sent from another site.", 403)
        if not _ID.match(pid):
            return self._not_found(pid[:MAX_ID])
        session = await self._session(request)
        if session is None:
            return self._message("Signed out", "Your sign-in on this page has expired: open the plan's page again "
                                 "and sign in. Nothing was recorded.", 403)
        form = await request.form()
        csrf, mac = str(form.get("csrf", "")), str(form.get("mac", ""))
        if not hmac.compare_digest(csrf.encode(), str(session["csrf"]).encode()):
            return self._message("Refused", "This decision did not come from the plan's page in this browser. "
                                 "Nothing was recorded.", 403)
        rule = self.runtime.policy.policy.approvals
        if rule is None:
            return self._message("No approvals", "This deployment does not require approvals.", 404)
        me = session["person"]
        reason = str(form.get("reason", "")).strip()[:500] or None
        if decision == "rejected" and not reason:
            return await self._plan_page(pid, session, "Not rejected: say why (the author reads it).", 400)
        life = await PlanStore(self.runtime.store).life(pid)
        if not self._may_see(life, me):
            return self._not_found(pid)
        audit = self.runtime.audit.for_principal({**me, "client_name": "plan page"}) if self.runtime.audit else None
        try:
            await decide(self.runtime.store, audit, rule, me, pid, mac, decision, reason)
        except LifeError as exc:
            return await self._plan_page(pid, session, f"Not {decision}: {exc}.", 403)
        return RedirectResponse(f"/plans/{pid}?done={decision}", status_code=303, headers={"Cache-Control": "no-store"})

    # --- sign-in ---------------------------------------------------------------------------------

    async def _session(self, request: Request) -> dict[str, Any] | None:
        """The page session's record (its person and CSRF token), or None. Raises StoreUnavailable."""
        cookie = request.cookies.get(COOKIE, "")
        if not cookie:
            return None
        found = await self.records.get_json(SESSIONS, digest(cookie))
        if not isinstance(found, dict) or float(found.get("expires", 0)) <= time.time():
            return None
        return found

    async def _sign_in(self, back: str) -> Response:
        verifier, state, browser = new_secret() + new_secret(), new_secret(), new_secret()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        ttl = self.settings.code_ttl * 2
        await self.records.put_text(SIGN_IN, state, json.dumps({"verifier": verifier, "back": back,
                                                                "browser": browser}), ttl)
        response = RedirectResponse(self.accounts.authorize_url(state=state, code_challenge=challenge),
                                    status_code=303, headers={"Cache-Control": "no-store"})
        response.set_cookie(SIGN_IN_COOKIE, browser, max_age=ttl, path="/oauth/callback", httponly=True,
                            samesite="lax", secure=self.settings.public_url.startswith("https://"))
        return response

    async def callback(self, request: Request) -> Response | None:
        """``/oauth/callback`` for a page sign-in (its state is ours), else None: not ours."""
        state = request.query_params.get("state", "")
        if not state:
            return None
        text = await self.records.take_text(SIGN_IN, state)  # single use, also across replicas
        if text is None:
            return None
        try:
            pending = json.loads(text)
        except ValueError:
            pending = None
        if not isinstance(pending, dict):
            return self._message("Sign-in expired", "This sign-in is unknown or has expired: open the plan's page "
                                 "again.", 400)
        browser = request.cookies.get(SIGN_IN_COOKIE, "")
        if not hmac.compare_digest(browser.encode(), str(pending.get("browser", "")).encode()):
            return self._message("Refused", "This sign-in was started in another browser.", 403)
        code = request.query_params.get("code")
        if request.query_params.get("error") or not code:
            return self._message("Not signed in", "LiveChat sign-in was not completed.", 403)
        try:
            tokens = await self.accounts.exchange_code(code, str(pending["verifier"]))
        except AccountsError as exc:
            return self._message("Not signed in", str(exc), 502)
        try:
            identity = await self.accounts.identity(tokens.access_token)
        except AccountsError as exc:
            return self._message("Not signed in", str(exc), 502)
        finally:
            # Used once, to learn who signed in: revoked at once (LiveChat keeps a limited number of
            # token pairs per app and person; one left behind per page sign-in would push out their
            # MCP clients' sign-ins).
            await self.accounts.revoke(tokens.access_token)
        if identity.client_id and identity.client_id != self.settings.client_id:
            return self._message("Refused", "LiveChat answered with a token for another app.", 403)
        me = person({"id": f"{identity.organization_id}:{identity.account_id}", "email": identity.email,
                     "name": identity.name, "role": identity.role, "organization_id": identity.organization_id})
        cookie = new_secret()
        await self.records.put_json(SESSIONS, digest(cookie), {"person": me, "csrf": new_secret(),
                                                               "expires": time.time() + SESSION_TTL}, SESSION_TTL)
        if self.runtime.audit is not None:
            self.runtime.audit.for_principal({**me, "client_name": "plan page"}).record(
                tool="plans/sign_in", decision="allowed", rule="oauth", arguments={}, duration_ms=0.0,
                outcome={"role": me.get("role")})
        back = str(pending.get("back", "/"))
        response = RedirectResponse(back if back.startswith("/plans/") else "/", status_code=303,
                                    headers={"Cache-Control": "no-store"})
        response.set_cookie(COOKIE, cookie, max_age=SESSION_TTL, path="/plans", httponly=True, samesite="lax",
                            secure=self.settings.public_url.startswith("https://"))
        response.delete_cookie(SIGN_IN_COOKIE, path="/oauth/callback")
        return response
