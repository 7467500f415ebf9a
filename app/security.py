"""Security headers added to every response."""

from flask import Flask, Response, request


def register(app: Flask) -> None:
    """Attach the headers hook to the app."""

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        config = app.config
        policy = f"{config['CONTENT_SECURITY_POLICY']}; frame-ancestors {config['FRAME_ANCESTORS']}"
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if config["FRAME_ANCESTORS"].strip() == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
