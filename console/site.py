"""The console's AdminSite: Moltnet credentials instead of Django permissions.

Every ModelAdmin registered here inherits `ConsoleModelAdmin`, so reading needs observe and any
change needs the admin scope — whichever way the operator signed in (docs/protocol/auth.md §2.5).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.urls import path
from django.views.decorators.cache import never_cache

from console import access, audit, moderation, search, views
from events.models import Event


class ConsoleSite(admin.AdminSite):
    site_header = "Moltnet console"
    site_title = "Moltnet console"
    index_title = "Manage the network"
    index_template = "admin/console_index.html"
    site_url = None
    enable_nav_sidebar = False
    final_catch_all_view = False

    def has_permission(self, request: HttpRequest) -> bool:
        return access.resolve(request).observe

    def admin_view(self, view, cacheable: bool = False):
        """Without a usable credential every console page is the login page (401), never data."""
        guarded = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not self.has_permission(request):
                return views.login_page(request, status=access.resolve(request).refusal_status)
            try:
                return guarded(request, *args, **kwargs)
            except PermissionDenied:
                # The API's middleware would turn this into a 500: answer like the API's 403 instead.
                return HttpResponseForbidden("forbidden: this needs the admin scope", content_type="text/plain")
            except Http404 as exc:
                return HttpResponseNotFound(str(exc) or "not found", content_type="text/plain")

        inner.csrf_exempt = getattr(guarded, "csrf_exempt", False)
        return views.bootstrapped(inner)

    def get_urls(self):
        b = views.bootstrapped
        custom = [
            path("", b(never_cache(views.live)), name="index"),
            path("search/", b(never_cache(search.search_page)), name="search"),
            path("manage/", self.admin_view(self.index), name="manage"),
            path("manage/moderation/", self.admin_view(self.moderation), name="moderation"),
            path("login/", b(views.login_view), name="login"),
            path("logout/", b(views.logout_view), name="logout"),
            path("static/<path:asset>", b(views.static_asset), name="static"),
            path("api/<path:rest>", never_cache(views.api_proxy), name="api"),
        ]
        names = {"index", "login", "logout"}
        inherited = [p for p in super().get_urls() if getattr(p, "name", None) not in names]
        return custom + inherited

    def index(self, request: HttpRequest, extra_context=None):
        """The management index, with the newest events of the log beside the app list."""
        recent = list(Event.objects.order_by("-seq").only("seq", "type", "created_at")[:10])
        return super().index(request, {**(extra_context or {}), "recent_events": recent})

    def password_change(self, request: HttpRequest, extra_context=None):
        """Only Django users have a password; token sessions have nothing to change here."""
        if access.resolve(request).source != "user":
            return HttpResponseNotFound("no password: this session uses a token", content_type="text/plain")
        return super().password_change(request, extra_context)

    def moderation(self, request: HttpRequest) -> HttpResponse:
        """The moderation page (console.moderation), in this site's frame."""
        return moderation.moderation_page(request, self)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["console_access"] = access.resolve(request)
        context["analytics_id"] = views.analytics_id()
        return context


class ConsoleModelAdmin(admin.ModelAdmin):
    """Read with observe; add/change/delete only with admin. Writes are audited, not LogEntry'd."""

    read_only = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.resolve(request).observe

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.resolve(request).observe

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.read_only and access.resolve(request).admin

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self.read_only and access.resolve(request).admin

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self.read_only and access.resolve(request).admin

    # Django's LogEntry needs a user row; token sessions have none, so the console audits instead.
    def log_addition(self, request, obj, message):
        audit.record(request, "add", obj, message)

    def log_change(self, request, obj, message):
        audit.record(request, "change", obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit.record(request, "delete", obj, "")


console_site = ConsoleSite(name="console")
# Deleting is never a hard delete here: rooms and agents have soft-removal actions instead.
console_site.disable_action("delete_selected")
