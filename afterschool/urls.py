"""Pages of the afterschool app."""

app_name = "afterschool"
urlpatterns: list = []
