"""The visitor's address, as the TLS proxy in front of the app servers saw it (issue 12,
item 8). django-axes locks out failed sign-ins per account *and* address; behind a proxy
every request comes from the proxy, so without this one stranger's five guesses would lock
the real editor out.

``ACUGUIDE_TRUSTED_PROXIES`` (the ``TRUSTED_PROXIES`` environment variable in production) is
the number of proxies we run in front of the app servers. Each proxy that appends to
``X-Forwarded-For`` adds the address it was connected from at the right-hand end, so the
visitor's address is the N-th entry from the right; everything to its left was written by
the visitor and is never read. A proxy that overwrites the header (nginx
``proxy_set_header X-Forwarded-For $remote_addr``) leaves one entry: the count is then 1.
With a count of 0 (development, the default) the header is ignored and ``REMOTE_ADDR`` is
the address. A header with fewer entries than the count, or an entry that is not an IP
address, falls back to ``REMOTE_ADDR``: a request that did not come through our proxies
never chooses its own address.
"""

import ipaddress

from django.conf import settings


def forwarded_client_ip(request):
    """The address django-axes counts failures against (its ``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.ACUGUIDE_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(chain) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(chain[-hops]))
    except ValueError:
        return remote


def client_ip(request):
    """The visitor's address, the same one django-axes uses (for per-address limits)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)
