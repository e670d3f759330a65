"""Views that show what the server handed to Django, touching no database."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt


def hello(request):
    return HttpResponse("Hello from Django\n", content_type="text/plain")


@csrf_exempt  # an echo for tests and curl: no CSRF token to fetch first
def echo(request):
    """Answer method, path, query, body length, form fields and is_secure().

    JSON when the client accepts it (Accept: application/json), else text.
    """
    body = request.body  # read before request.POST, which parses it
    info = {
        "method": request.method,
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        "body_length": len(body),
        "form": {key: request.POST.get(key) for key in request.POST},
        # https as the server says (wsgi.url_scheme), which a proxy's
        # X-Forwarded-Proto sets when the server trusts the proxy.
        "secure": request.is_secure(),
    }
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(info)
    lines = ["%s: %s" % (key, value) for key, value in info.items()]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
