"""Pages of the homework app."""

app_name = "homework"
urlpatterns: list = []
