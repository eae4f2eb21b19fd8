from tests.conftest import Server


def test_login_and_my_info(server: Server) -> None:
    token = server.token("john")
    with server.client() as client:
        response = client.get("/api/products/my-info", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"userId": "2", "userName": "john", "role": "User"}
