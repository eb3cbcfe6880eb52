"""URLconf: every API route comes from the route table; unmatched paths go to the catch-all."""

from django.urls import path, re_path

import agents.views  # noqa: F401 - registers routes
import moderation.views  # noqa: F401
import moltnet.discovery.views  # noqa: F401
import moltnet.openapi  # noqa: F401
import moltnet.views  # noqa: F401
import pairings.views  # noqa: F401
import rooms.directory  # noqa: F401
import rooms.views  # noqa: F401
import search.views  # noqa: F401
from console.site import console_site
from console.views import console_root
from moltnet import routing
from moltnet.views import catch_all

routing.fallback = catch_all  # a GET no declared route answers: the JSON 404 under /v1/, else the console

urlpatterns = [
    *routing.urlpatterns(),
    path("console", console_root),
    path("console/", console_site.urls),
    re_path(r"^.*$", catch_all),
]
