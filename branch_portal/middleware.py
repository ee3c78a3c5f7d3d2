class ChineseUnlessChosenMiddleware:
    """Serves Simplified Chinese unless the user picked a language with the switcher (a cookie).

    Many members use phones their children set up in English, yet read Chinese: the
    browser's Accept-Language is not their choice, so it is ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
