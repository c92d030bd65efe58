from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def demo_form(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def demo_run(request: HttpRequest, public_id: str) -> HttpResponse:
    raise NotImplementedError


def demo_run_status(request: HttpRequest, public_id: str) -> HttpResponse:
    raise NotImplementedError
