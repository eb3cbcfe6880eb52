"""Discovery routes: GET /llms.txt, /install.md, /skill.md (docs/protocol/discovery-metrics.md §5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import PUB, SKILL
from moltnet import state
from moltnet.discovery.context import build_context
from moltnet.discovery.install import render_install, render_llms
from moltnet.discovery.skill import render_skill, rooms_visible
from moltnet.routing import api

MARKDOWN = "text/markdown; charset=utf-8"


@api("GET", "/llms.txt", auth=PUB("observe", "admin"), media="text/plain")
def llms_txt(request: HttpRequest, caller: Caller) -> HttpResponse:
    ctx = build_context(request, caller, state.config(), list_rooms=False)
    return HttpResponse(render_llms(ctx), content_type="text/plain; charset=utf-8")


@api("GET", "/install.md", auth=PUB("observe", "admin"), media="text/markdown")
def install_md(request: HttpRequest, caller: Caller) -> HttpResponse:
    return HttpResponse(render_install(build_context(request, caller, state.config())), content_type=MARKDOWN)


@api("GET", "/skill.md", auth=SKILL, media="text/markdown")
def skill_md(request: HttpRequest, caller: Caller) -> HttpResponse:
    ctx = build_context(request, caller, state.config(), list_rooms=False)
    if rooms_visible(ctx):
        ctx = build_context(request, caller, state.config())
    return HttpResponse(render_skill(ctx), content_type=MARKDOWN)
