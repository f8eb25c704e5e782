"""Small middleware of our own: headers Django has no setting for, and a clean
503 while the database is unreachable."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response

    return middleware


def database_unavailable(get_response):
    """While PostgreSQL restarts, answer 503 with Retry-After instead of a 500."""

    def middleware(request):
        return get_response(request)

    def process_exception(request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", exception)
            html = render_to_string("503.html")
            return HttpResponse(html, status=503, headers={"Retry-After": "5"})
        return None

    middleware.process_exception = process_exception
    return middleware
