"""The DRF view, its permission classes, and the same answers from plain Django views."""

from django.http import HttpRequest, JsonResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketbooth.django import (
    HasRole,
    HasScope,
    login_required,
    principal_of,
    roles_required,
    scopes_required,
)


def _me(request: Request | HttpRequest) -> dict[str, str]:
    principal = principal_of(request)
    return {"userId": principal.user_id, "userName": principal.username, "role": principal.role}


class MeView(APIView):
    """Any valid token (the project's default permission, ``Authenticated``)."""

    def get(self, request: Request) -> Response:
        return Response(_me(request))


class AdminView(APIView):
    permission_classes = (HasRole("Admin"),)

    def get(self, request: Request) -> Response:
        return Response(_me(request))


class OrdersView(APIView):
    permission_classes = (HasScope("orders:read"),)

    def get(self, request: Request) -> Response:
        return Response(_me(request))


@login_required
def plain_me(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_me(request))


@roles_required("Admin")
async def plain_admin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_me(request))


@scopes_required("orders:read")
def plain_orders(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_me(request))
