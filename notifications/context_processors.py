"""The header's unread count: one query, and only when a page shows it (never for anonymous visitors)."""

from .selectors import unread_count


def unread(request):
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    memo: dict[str, int] = {}

    def count() -> int:
        if "n" not in memo:
            memo["n"] = unread_count(user=user)
        return memo["n"]

    # a callable: the template calls it when it renders the header, a page without one costs nothing
    return {"notifications_unread": count}
