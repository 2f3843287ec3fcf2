from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_list, name="audit"),
    path("account/password/", views.password_change, name="password-change"),
    path("account/users/", views.users, name="users"),
    path("account/users/<int:pk>/reset-password/", views.user_password_reset, name="user-password-reset"),
]
