from .scoping import is_city, role_of


def role(request):
    profile = role_of(getattr(request, "user", None))
    return {"user_profile": profile, "user_is_city": is_city(getattr(request, "user", None))}
