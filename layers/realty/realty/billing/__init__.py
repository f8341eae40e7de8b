"""Billing: realtor subscriptions through Stripe, and the entitlements they grant."""
