"""What a realtor's plan allows: the pro features need an active (or trialing) pro subscription.

Callers are the routes that start something pro (recording, processing, reprocessing): they call
`require_pro(realtor_id)` before doing it. Reading what already exists is never gated: after a
downgrade, the recordings, transcripts, highlights and summaries of past tours stay readable.

A realtor is entitled by an active or trialing Stripe pro subscription, or by a complimentary plan
an admin granted (until it expires or is revoked); on a stage whose billing mode is `off` (no
Stripe), every realtor is.
"""

from __future__ import annotations

from realty.billing import store
from realty.billing.models import (
    CHECKOUT_PATH,
    LIVE_STATUSES,
    PORTAL_PATH,
    BillingAccount,
    Plan,
    SubscriptionStatus,
)
from realty.core import clock
from realty.core.config import get_settings
from realty.core.errors import PaymentRequired


def require_pro(user_id: str, *, feature: str = "recording") -> BillingAccount:
    """The realtor's account if it is on an active or trialing pro plan; PaymentRequired (402) if not.

    One GetItem (none when billing is off: the answer is then a stand-in account, never stored).
    The message says what to do next: subscribe, or fix the payment of a subscription that is past due.
    """
    if get_settings().billing_off:
        stamp = clock.now_iso()
        return BillingAccount(
            user_id=user_id, plan=Plan.PRO, status=SubscriptionStatus.ACTIVE, created_at=stamp, updated_at=stamp
        )
    account = store.get_account(user_id)
    if account is not None and account.entitled:
        return account
    if account is not None and account.plan is Plan.PRO and account.status in LIVE_STATUSES:
        raise PaymentRequired(
            f"{feature} needs the pro plan, and your subscription is {account.status.value}: "
            f"update the payment method with {PORTAL_PATH}"
        )
    raise PaymentRequired(f"{feature} needs the pro plan: start a subscription with {CHECKOUT_PATH}")
