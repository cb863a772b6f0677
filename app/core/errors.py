"""Domain errors: one base class, rendered as JSON for /api and as pages elsewhere."""
from __future__ import annotations


class PortalError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, status_code: int | None = None, code: str | None = None,
                 fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.fields = fields or {}


class NotFound(PortalError):
    status_code = 404
    code = "not_found"


class Forbidden(PortalError):
    status_code = 403
    code = "forbidden"


class Unauthorized(PortalError):
    status_code = 401
    code = "unauthorized"


class Conflict(PortalError):
    status_code = 409
    code = "conflict"


class ValidationFailed(PortalError):
    status_code = 422
    code = "validation_failed"


class TooLarge(PortalError):
    status_code = 413
    code = "too_large"


class UnsupportedMedia(PortalError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(PortalError):
    status_code = 429
    code = "too_many_requests"
