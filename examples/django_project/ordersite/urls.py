"""The ordersite's routes: DRF views under /api, plain Django views under /plain."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/me", views.MeView.as_view()),
    path("api/admin", views.AdminView.as_view()),
    path("api/orders", views.OrdersView.as_view()),
    path("plain/me", views.plain_me),
    path("plain/admin", views.plain_admin),
    path("plain/orders", views.plain_orders),
]
