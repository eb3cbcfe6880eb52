"""URLconf: every API route comes from the route table; unmatched paths go to the catch-all."""

from django.urls import re_path

import agents.views  # noqa: F401 - registers routes
import moltnet.discovery.views  # noqa: F401
import moltnet.views  # noqa: F401
import pairings.views  # noqa: F401
import rooms.views  # noqa: F401
from moltnet import routing
from moltnet.views import catch_all, console_placeholder

urlpatterns = [
    *routing.urlpatterns(),
    re_path(r"^console(?:/.*)?$", console_placeholder),
    re_path(r"^.*$", catch_all),
]
