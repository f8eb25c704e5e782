"""Headers Django has no setting for (on every response and on static files), a 400 for NUL
characters in the admin's parameters, and a log filter for database outages."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest
from django.urls import reverse


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response

    return middleware


class ShortDatabaseOutage(logging.Filter):
    """While PostgreSQL is down every request is a 503 (points.views.server_error): log one
    line for each, not a hundred-line traceback."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], (OperationalError, InterfaceError)):
            record.msg = f"{record.getMessage()} (database unavailable: {record.exc_info[1]})".replace("%", "%%")
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def refuse_nul(get_response):
    """In the admin, a NUL character in the query string or form data is a 400, in one place:
    PostgreSQL refuses NUL in text, so a changelist filter or the autocomplete given %00 was
    a 500. (The public pages read their few parameters themselves and drop control
    characters: a search for "\x00hegoo" still finds Hegu.)"""

    def middleware(request):
        if request.path.startswith(reverse("admin:index")) and (_has_nul(request.GET) or _form_has_nul(request)):
            return HttpResponseBadRequest("NUL characters are not accepted.", content_type="text/plain")
        return get_response(request)

    return middleware


def _has_nul(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


def _form_has_nul(request):
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False
    return _has_nul(request.POST)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
