from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.introspect_request import IntrospectRequest
from ...models.introspect_response import IntrospectResponse
from ...models.o_auth_error import OAuthError
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: IntrospectRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/oauth2/introspect",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> IntrospectResponse | OAuthError | Problem | None:
    if response.status_code == 200:
        response_200 = IntrospectResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OAuthError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OAuthError.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[IntrospectResponse | OAuthError | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectRequest,
) -> Response[IntrospectResponse | OAuthError | Problem]:
    """ Whether a token is active (RFC 7662): an access token or an opaque token. The caller presents
    a token holding `keyward:verify` and learns only about its own organization's tokens.
    Requires: a token with keyward:verify.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/introspect" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/introspect",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/introspect`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/introspect", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (IntrospectRequest): `application/x-www-form-urlencoded` body of `POST
            /oauth2/introspect` (RFC 7662).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntrospectResponse | OAuthError | Problem]
     """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectRequest,
) -> IntrospectResponse | OAuthError | Problem | None:
    """ Whether a token is active (RFC 7662): an access token or an opaque token. The caller presents
    a token holding `keyward:verify` and learns only about its own organization's tokens.
    Requires: a token with keyward:verify.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/introspect" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/introspect",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/introspect`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/introspect", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (IntrospectRequest): `application/x-www-form-urlencoded` body of `POST
            /oauth2/introspect` (RFC 7662).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntrospectResponse | OAuthError | Problem
     """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectRequest,
) -> Response[IntrospectResponse | OAuthError | Problem]:
    """ Whether a token is active (RFC 7662): an access token or an opaque token. The caller presents
    a token holding `keyward:verify` and learns only about its own organization's tokens.
    Requires: a token with keyward:verify.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/introspect" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/introspect",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/introspect`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/introspect", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (IntrospectRequest): `application/x-www-form-urlencoded` body of `POST
            /oauth2/introspect` (RFC 7662).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntrospectResponse | OAuthError | Problem]
     """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectRequest,
) -> IntrospectResponse | OAuthError | Problem | None:
    """ Whether a token is active (RFC 7662): an access token or an opaque token. The caller presents
    a token holding `keyward:verify` and learns only about its own organization's tokens.
    Requires: a token with keyward:verify.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/introspect" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/introspect",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/introspect`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/introspect", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (IntrospectRequest): `application/x-www-form-urlencoded` body of `POST
            /oauth2/introspect` (RFC 7662).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntrospectResponse | OAuthError | Problem
     """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
