"""Pages of the schools app (the calendar and registry are kept in the admin by city staff)."""

app_name = "schools"
urlpatterns: list = []
