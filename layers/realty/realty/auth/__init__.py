"""Sign-up, sign-in and tokens, through Cognito."""
