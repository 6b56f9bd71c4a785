"""Server-rendered pages: the home page a new user lands on."""

from django.views.generic import TemplateView


class HomeView(TemplateView):
    """What Tadamun is, what this instance offers today, and where to go next."""

    template_name = "web/home.html"
    http_method_names = ["get", "head", "options"]
