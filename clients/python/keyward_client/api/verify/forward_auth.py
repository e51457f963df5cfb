from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    x_forwarded_method: None | str | Unset = UNSET,
    x_forwarded_uri: None | str | Unset = UNSET,
    x_original_method: None | str | Unset = UNSET,
    x_original_uri: None | str | Unset = UNSET,
    x_keyward_permissions_required: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_forwarded_method, Unset):
        headers["X-Forwarded-Method"] = x_forwarded_method

    if not isinstance(x_forwarded_uri, Unset):
        headers["X-Forwarded-Uri"] = x_forwarded_uri

    if not isinstance(x_original_method, Unset):
        headers["X-Original-Method"] = x_original_method

    if not isinstance(x_original_uri, Unset):
        headers["X-Original-URI"] = x_original_uri

    if not isinstance(x_keyward_permissions_required, Unset):
        headers["X-Keyward-Permissions-Required"] = x_keyward_permissions_required

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/forward-auth",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    x_forwarded_method: None | str | Unset = UNSET,
    x_forwarded_uri: None | str | Unset = UNSET,
    x_original_method: None | str | Unset = UNSET,
    x_original_uri: None | str | Unset = UNSET,
    x_keyward_permissions_required: None | str | Unset = UNSET,
) -> Response[Any | Problem]:
    """ Decide whether a gateway lets a request through. Any method; no body needed.

     The credential: `Authorization: Bearer <token>` (a keyward token or an OAuth access token)
    or `X-API-Key`. The original request: `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik,
    Caddy, APISIX), else `X-Original-Method` and `X-Original-URI` (nginx, as configured in
    docs/GATEWAYS.md), else this request's own method and the path after `/v1/forward-auth`
    (Envoy). Gateway configurations may add `X-Keyward-Permissions-Required: a,b`, which only
    ever adds to what the route requires.

    Allowed: 200 with an empty body and `X-Keyward-Org-Id`, `X-Keyward-Api-User`,
    `X-Keyward-Api-User-Id`, `X-Keyward-Token-Id`, `X-Keyward-Permissions`,
    `X-Keyward-External-Id` (always all, empty when there is no value). Refused: 401 with
    `WWW-Authenticate` or 403, each with `X-Keyward-Code`.

    Requires: a token of the organization, whose routes decide the rest.

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/forward-auth" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/forward-auth",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/forward-auth`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/forward-auth", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        x_forwarded_method (None | str | Unset):
        x_forwarded_uri (None | str | Unset):
        x_original_method (None | str | Unset):
        x_original_uri (None | str | Unset):
        x_keyward_permissions_required (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
     """

    kwargs = _get_kwargs(
        x_forwarded_method=x_forwarded_method,
        x_forwarded_uri=x_forwarded_uri,
        x_original_method=x_original_method,
        x_original_uri=x_original_uri,
        x_keyward_permissions_required=x_keyward_permissions_required,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    x_forwarded_method: None | str | Unset = UNSET,
    x_forwarded_uri: None | str | Unset = UNSET,
    x_original_method: None | str | Unset = UNSET,
    x_original_uri: None | str | Unset = UNSET,
    x_keyward_permissions_required: None | str | Unset = UNSET,
) -> Any | Problem | None:
    """ Decide whether a gateway lets a request through. Any method; no body needed.

     The credential: `Authorization: Bearer <token>` (a keyward token or an OAuth access token)
    or `X-API-Key`. The original request: `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik,
    Caddy, APISIX), else `X-Original-Method` and `X-Original-URI` (nginx, as configured in
    docs/GATEWAYS.md), else this request's own method and the path after `/v1/forward-auth`
    (Envoy). Gateway configurations may add `X-Keyward-Permissions-Required: a,b`, which only
    ever adds to what the route requires.

    Allowed: 200 with an empty body and `X-Keyward-Org-Id`, `X-Keyward-Api-User`,
    `X-Keyward-Api-User-Id`, `X-Keyward-Token-Id`, `X-Keyward-Permissions`,
    `X-Keyward-External-Id` (always all, empty when there is no value). Refused: 401 with
    `WWW-Authenticate` or 403, each with `X-Keyward-Code`.

    Requires: a token of the organization, whose routes decide the rest.

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/forward-auth" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/forward-auth",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/forward-auth`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/forward-auth", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        x_forwarded_method (None | str | Unset):
        x_forwarded_uri (None | str | Unset):
        x_original_method (None | str | Unset):
        x_original_uri (None | str | Unset):
        x_keyward_permissions_required (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return sync_detailed(
        client=client,
        x_forwarded_method=x_forwarded_method,
        x_forwarded_uri=x_forwarded_uri,
        x_original_method=x_original_method,
        x_original_uri=x_original_uri,
        x_keyward_permissions_required=x_keyward_permissions_required,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    x_forwarded_method: None | str | Unset = UNSET,
    x_forwarded_uri: None | str | Unset = UNSET,
    x_original_method: None | str | Unset = UNSET,
    x_original_uri: None | str | Unset = UNSET,
    x_keyward_permissions_required: None | str | Unset = UNSET,
) -> Response[Any | Problem]:
    """ Decide whether a gateway lets a request through. Any method; no body needed.

     The credential: `Authorization: Bearer <token>` (a keyward token or an OAuth access token)
    or `X-API-Key`. The original request: `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik,
    Caddy, APISIX), else `X-Original-Method` and `X-Original-URI` (nginx, as configured in
    docs/GATEWAYS.md), else this request's own method and the path after `/v1/forward-auth`
    (Envoy). Gateway configurations may add `X-Keyward-Permissions-Required: a,b`, which only
    ever adds to what the route requires.

    Allowed: 200 with an empty body and `X-Keyward-Org-Id`, `X-Keyward-Api-User`,
    `X-Keyward-Api-User-Id`, `X-Keyward-Token-Id`, `X-Keyward-Permissions`,
    `X-Keyward-External-Id` (always all, empty when there is no value). Refused: 401 with
    `WWW-Authenticate` or 403, each with `X-Keyward-Code`.

    Requires: a token of the organization, whose routes decide the rest.

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/forward-auth" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/forward-auth",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/forward-auth`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/forward-auth", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        x_forwarded_method (None | str | Unset):
        x_forwarded_uri (None | str | Unset):
        x_original_method (None | str | Unset):
        x_original_uri (None | str | Unset):
        x_keyward_permissions_required (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
     """

    kwargs = _get_kwargs(
        x_forwarded_method=x_forwarded_method,
        x_forwarded_uri=x_forwarded_uri,
        x_original_method=x_original_method,
        x_original_uri=x_original_uri,
        x_keyward_permissions_required=x_keyward_permissions_required,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    x_forwarded_method: None | str | Unset = UNSET,
    x_forwarded_uri: None | str | Unset = UNSET,
    x_original_method: None | str | Unset = UNSET,
    x_original_uri: None | str | Unset = UNSET,
    x_keyward_permissions_required: None | str | Unset = UNSET,
) -> Any | Problem | None:
    """ Decide whether a gateway lets a request through. Any method; no body needed.

     The credential: `Authorization: Bearer <token>` (a keyward token or an OAuth access token)
    or `X-API-Key`. The original request: `X-Forwarded-Method` and `X-Forwarded-Uri` (Traefik,
    Caddy, APISIX), else `X-Original-Method` and `X-Original-URI` (nginx, as configured in
    docs/GATEWAYS.md), else this request's own method and the path after `/v1/forward-auth`
    (Envoy). Gateway configurations may add `X-Keyward-Permissions-Required: a,b`, which only
    ever adds to what the route requires.

    Allowed: 200 with an empty body and `X-Keyward-Org-Id`, `X-Keyward-Api-User`,
    `X-Keyward-Api-User-Id`, `X-Keyward-Token-Id`, `X-Keyward-Permissions`,
    `X-Keyward-External-Id` (always all, empty when there is no value). Refused: 401 with
    `WWW-Authenticate` or 403, each with `X-Keyward-Code`.

    Requires: a token of the organization, whose routes decide the rest.

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/forward-auth" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/forward-auth",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/forward-auth`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/forward-auth", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        x_forwarded_method (None | str | Unset):
        x_forwarded_uri (None | str | Unset):
        x_original_method (None | str | Unset):
        x_original_uri (None | str | Unset):
        x_keyward_permissions_required (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return (
        await asyncio_detailed(
            client=client,
            x_forwarded_method=x_forwarded_method,
            x_forwarded_uri=x_forwarded_uri,
            x_original_method=x_original_method,
            x_original_uri=x_original_uri,
            x_keyward_permissions_required=x_keyward_permissions_required,
        )
    ).parsed
