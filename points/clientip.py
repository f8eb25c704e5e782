"""Stand-in, replaced at merge by the real ``client_ip`` (the one django-axes uses behind the proxy)."""


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "")
