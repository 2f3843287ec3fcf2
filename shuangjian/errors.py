"""One exception hierarchy for the services; the API and pages turn it into one error shape."""


class ServiceError(Exception):
    """A request the portal understood but cannot carry out; the message is for the user."""

    code = "invalid"
    status_code = 400

    def __init__(self, message, *, code=None, fields=None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        # {field or "row N": [messages]}; names the place the user has to fix
        self.fields = fields or {}


class ConflictError(ServiceError):
    code = "conflict"
    status_code = 409


class ForbiddenError(ServiceError):
    """The caller's role may not do this (an API answers 403; a page, its 403 page)."""

    code = "permission_denied"
    status_code = 403
