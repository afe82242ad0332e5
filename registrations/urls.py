from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("privacy/", views.privacy, name="privacy"),
    path("r/<str:token>/", views.status, name="status"),
]
