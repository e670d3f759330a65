"""URL configuration: the two views gunicorn-go's tests and examples use."""

from django.urls import path

from . import views

urlpatterns = [
    path("hello/", views.hello),
    path("echo/", views.echo),
]
