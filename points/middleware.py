"""Headers Django has no setting for (on every response and on static files), and a log
filter for database outages."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError


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
