"""/api/v1/auth/*: registration, sign-in, tokens and the caller's own profile."""

from __future__ import annotations

from typing import Any

from realty.auth import profile, service
from realty.auth.models import (
    ConfirmRequest,
    LoginRequest,
    MessageAttributes,
    PasswordResetConfirmRequest,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    RegistrationAttributes,
    TokenAttributes,
    VerifyEmailRequest,
)
from realty.core.api import Response, create_app, make_handler, respond
from realty.core.auth import bearer_token, current_caller
from realty.core.envelope import Envelope, Resource
from realty.users import service as users
from realty.users.models import UpdateProfileRequest, UserAttributes

app = create_app()

Message = Response[Envelope[Resource[MessageAttributes]]]
Tokens = Response[Envelope[Resource[TokenAttributes]]]
Profile = Response[Envelope[Resource[UserAttributes]]]


@app.post("/api/v1/auth/register", summary="Create a buyer or realtor account", tags=["auth"], status_code=201)
def register(body: RegisterRequest) -> Response[Envelope[Resource[RegistrationAttributes]]]:
    return respond(app, service.register(body), status=201)


@app.post("/api/v1/auth/confirm", summary="Confirm the email address with the emailed code", tags=["auth"])
def confirm(body: ConfirmRequest) -> Message:
    return respond(app, service.confirm(body))


@app.post("/api/v1/auth/login", summary="Sign in with email and password", tags=["auth"])
def login(body: LoginRequest) -> Tokens:
    return respond(app, service.login(body))


@app.post("/api/v1/auth/refresh", summary="New access and ID tokens from a refresh token", tags=["auth"])
def refresh(body: RefreshRequest) -> Tokens:
    return respond(app, service.refresh(body))


@app.post("/api/v1/auth/password-reset/request", summary="Email a password reset code", tags=["auth"], status_code=202)
def request_password_reset(body: PasswordResetRequest) -> Message:
    return respond(app, service.request_password_reset(body), status=202)


@app.post("/api/v1/auth/password-reset/confirm", summary="Set a new password with the emailed code", tags=["auth"])
def confirm_password_reset(body: PasswordResetConfirmRequest) -> Message:
    return respond(app, service.confirm_password_reset(body))


@app.post("/api/v1/auth/logout", summary="Sign out everywhere (refresh tokens revoked)", tags=["auth"])
def logout() -> Message:
    token = bearer_token(app.current_event.headers.get("Authorization"))
    return respond(app, service.logout(current_caller(app), token))


@app.get("/api/v1/auth/me", summary="The signed-in user's profile", tags=["auth"])
def get_me() -> Profile:
    return respond(app, users.get_profile(current_caller(app)))


@app.put("/api/v1/auth/me", summary="Change the signed-in user's name or phone", tags=["auth"])
def update_me(body: UpdateProfileRequest) -> Profile:
    return respond(app, profile.update_profile(current_caller(app), body))


@app.post(
    "/api/v1/auth/me/email/verify",
    summary="Make the new email an admin set the signed-in user's, with the code emailed to it",
    tags=["auth"],
)
def verify_my_email(body: VerifyEmailRequest) -> Profile:
    token = bearer_token(app.current_event.headers.get("Authorization"))
    return respond(app, profile.verify_email(current_caller(app), token, body))


lambda_handler: Any = make_handler(app)
