"""Security headers added to every response."""

from collections.abc import Callable, Iterable

from flask import Flask, Response, g, request


def allow_framing_by(origins: list[str]) -> None:
    """Let these origins (a registered site's) frame this response, and no one else: for the embed's pages only."""
    g.frame_ancestors = " ".join(origins) or "'none'"


def keep_opener() -> None:
    """Let the window that opened this page keep its reference to it (COOP unsafe-none): for the pages of signing
    in from a framed discussion only, whose last page hands the sign-in to the frame through `window.opener`."""
    g.opener_policy = "unsafe-none"


def opened_from_frame(next_url: str | None) -> bool:
    """Whether a sign-in page leads on to the handoff to a framed discussion (its `next`)."""
    return bool(next_url) and str(next_url).startswith("/embed/sign-in?")


def with_image_sources(policy: str, sources: Iterable[str]) -> str:
    """The policy with these sources added to its `img-src` (one made from 'self' when it has none)."""
    extra = " ".join(sources)
    if not extra:
        return policy
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    for index, directive in enumerate(directives):
        if directive.split()[0] == "img-src":
            directives[index] = f"{directive} {extra}"
            return "; ".join(directives)
    return "; ".join([*directives, f"img-src 'self' {extra}"])


def register(app: Flask, image_sources: Callable[[], Iterable[str]] = tuple) -> None:
    """Attach the headers hook to the app. `image_sources` gives the hosts this response's pictures may come from
    besides the configured policy's (Gravatar's, when an admin turned its pictures on)."""

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        config = app.config
        ancestors = g.get("frame_ancestors") or config["FRAME_ANCESTORS"]
        policy = with_image_sources(config["CONTENT_SECURITY_POLICY"], image_sources())
        policy = f"{policy}; frame-ancestors {ancestors}"
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", g.get("opener_policy") or "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if ancestors.strip() == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
