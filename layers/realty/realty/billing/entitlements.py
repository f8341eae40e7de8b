"""What a realtor's plan allows: the pro features need an active (or trialing) pro subscription.

Callers are the routes that start something pro (recording, processing, reprocessing): they call
`require_pro(realtor_id)` before doing it. Reading what already exists is never gated: after a
downgrade, the recordings, transcripts, highlights and summaries of past tours stay readable.
"""

from __future__ import annotations

from realty.billing import store
from realty.billing.models import CHECKOUT_PATH, LIVE_STATUSES, PORTAL_PATH, BillingAccount, Plan
from realty.core.errors import PaymentRequired


def require_pro(user_id: str, *, feature: str = "recording") -> BillingAccount:
    """The realtor's account if it is on an active or trialing pro plan; PaymentRequired (402) if not.

    One GetItem. The message says what to do next: subscribe, or fix the payment of a subscription
    that is past due.
    """
    account = store.get_account(user_id)
    if account is not None and account.entitled:
        return account
    if account is not None and account.plan is Plan.PRO and account.status in LIVE_STATUSES:
        raise PaymentRequired(
            f"{feature} needs the pro plan, and your subscription is {account.status.value}: "
            f"update the payment method with {PORTAL_PATH}"
        )
    raise PaymentRequired(f"{feature} needs the pro plan: start a subscription with {CHECKOUT_PATH}")
