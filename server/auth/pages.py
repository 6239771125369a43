"""The pages a person sees in hosted mode: consent and errors.

Small, server-rendered, accessible HTML that works without JavaScript. Every value is escaped
and loses invisible and bidirectional control characters (a client's name is its own claim, a
person's name is license data: neither may reorder or hide what the page says);
the Content-Security-Policy allows no script at all, only this page's own stylesheet (by hash),
and form submissions only to us and to where the consent can lead (LiveChat's sign-in, or back
to the client with a refusal); framing is refused (clickjacking).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape as _escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

from ..safety.untrusted import clean

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "dt{font-weight:600}dd{margin:0 0 .8rem 0}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}"
    "code{word-break:break-all}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def escape(text: str) -> str:
    """``text`` as page text: no invisible or bidirectional control characters, HTML-escaped."""
    return _escape(clean(text))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def headers(form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    targets = " ".join(["'self'", *sorted({_origin(u) for u in form_targets if u})])
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action {targets}; "
                                   "frame-ancestors 'none'; base-uri 'none'",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def page(deployment: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · {escape(deployment)}'
        f'</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
        f"<body><header><p>{escape(deployment)}</p></header><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


@dataclass(frozen=True)
class Consent:
    deployment: str
    client_name: str
    client_id: str
    client_kind: str  # how we know the client: "metadata document" or "registered dynamically"
    redirect_uri: str
    accounts_url: str
    rights: list[str]
    txn: str
    csrf: str


def consent_page(c: Consent) -> HTMLResponse:
    e = escape
    rights = "".join(f"<li>{e(r)}</li>" for r in c.rights)
    body = (
        f"<p><strong>{e(c.client_name)}</strong> asks to use the LiveChat Configuration API as you, through "
        f"{e(c.deployment)}.</p><dl>"
        f"<dt>Application</dt><dd>{e(c.client_name)} (client id <code>{e(c.client_id)}</code>, {e(c.client_kind)}; "
        "the name is the application's own claim)</dd>"
        f"<dt>Where you will be sent back</dt><dd><code>{e(c.redirect_uri)}</code></dd>"
        f"<dt>License</dt><dd>The license of the LiveChat account you sign in with next, at "
        f"<code>{e(_origin(c.accounts_url))}</code>.</dd>"
        f"<dt>Rights it will get</dt><dd><ul>{rights}</ul></dd></dl>"
        '<form method="post" action="/oauth/consent">'
        f'<input type="hidden" name="txn" value="{e(c.txn)}"><input type="hidden" name="csrf" value="{e(c.csrf)}">'
        '<button type="submit" name="decision" value="approve">Continue to LiveChat sign-in</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
        "<p>Only continue if you started this connection yourself. You can revoke access any time by "
        "disconnecting the connector.</p>"
    )
    return HTMLResponse(page(c.deployment, "Allow access to LiveChat?", body),
                        headers=headers((c.accounts_url, c.redirect_uri)))


def error_page(deployment: str, title: str, message: str, status: int = 400) -> HTMLResponse:
    body = f'<p role="alert">{escape(message)}</p><p>Start the connection again from your MCP client.</p>'
    return HTMLResponse(page(deployment, title, body), status_code=status, headers=headers())


@dataclass(frozen=True)
class Confirm:
    deployment: str
    client_name: str
    redirect_uri: str
    person: str
    role: str
    license: str
    rights: list[str]
    confirm: str
    csrf: str


def confirm_page(c: Confirm) -> HTMLResponse:
    e = escape
    rights = "".join(f"<li>{e(r)}</li>" for r in c.rights)
    body = (
        f"<p>You signed in to LiveChat. Confirm to connect <strong>{e(c.client_name)}</strong>.</p><dl>"
        f"<dt>Signed in as</dt><dd>{e(c.person)}, role {e(c.role)}</dd>"
        f"<dt>License</dt><dd>{e(c.license)}</dd>"
        f"<dt>Rights {e(c.client_name)} will get</dt><dd><ul>{rights}</ul></dd>"
        f"<dt>Where you will be sent back</dt><dd><code>{e(c.redirect_uri)}</code></dd></dl>"
        '<form method="post" action="/oauth/confirm">'
        f'<input type="hidden" name="confirm" value="{e(c.confirm)}"><input type="hidden" name="csrf" value="{e(c.csrf)}">'
        '<button type="submit" name="decision" value="approve">Allow</button>'
        '<button type="submit" name="decision" value="deny">Cancel</button></form>'
    )
    return HTMLResponse(page(c.deployment, "Confirm access", body), headers=headers((c.redirect_uri,)))
