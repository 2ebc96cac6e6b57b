"""Mail, webhooks and the worker that sends them (issue 11).

notify.py      one call per kind of message: what domain functions call, in their transaction
outbox.py      enqueue / enqueue_from (set-based), the verification gate, insert-or-ignore
kinds.py       every kind: essential or not, audience, subject, the context its templates need
compose.py     an outbox row to an email: language, text and HTML, links, Message-ID, List-Unsubscribe
transport.py   LIVINGLAB_MAIL_URL and SMTP (smtplib); which failures are permanent
queue.py       claims with leases (SKIP LOCKED), marks, backoff: shared by mail and webhooks
sender.py      one batch of mail: claim, decide (held, opted out, expired), send, mark
scheduler.py   named jobs run at most once per interval; jobs.py holds them
webhooks.py    endpoints, emit(), the address check; delivery.py posts, signed
worker.py      `flask --app livinglab worker`; catcher.py the local SMTP server; mailbox.py its page
preferences.py choices of non-essential kinds, the one-click unsubscribe token
views.py, webhook_views.py, api.py, openapi.py   pages, API and its description
"""
