from django.urls import path

from weserve.organisation import views

urlpatterns = [
    path("", views.home, name="home"),
]
