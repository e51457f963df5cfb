from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.oauth_jwks_response_200 import OauthJwksResponse200
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/.well-known/jwks.json",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> OauthJwksResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = OauthJwksResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[OauthJwksResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[OauthJwksResponse200 | Problem]:
    """The public keys that sign access tokens (RFC 7517), for verifying them offline. A retired key
    stays here until every token it signed has expired. Requires: nothing.



    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/.well-known/jwks.json"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/.well-known/jwks.json",
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/.well-known/jwks.json`, {
      method: "GET",
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/.well-known/jwks.json", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OauthJwksResponse200 | Problem]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> OauthJwksResponse200 | Problem | None:
    """The public keys that sign access tokens (RFC 7517), for verifying them offline. A retired key
    stays here until every token it signed has expired. Requires: nothing.



    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/.well-known/jwks.json"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/.well-known/jwks.json",
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/.well-known/jwks.json`, {
      method: "GET",
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/.well-known/jwks.json", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OauthJwksResponse200 | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[OauthJwksResponse200 | Problem]:
    """The public keys that sign access tokens (RFC 7517), for verifying them offline. A retired key
    stays here until every token it signed has expired. Requires: nothing.



    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/.well-known/jwks.json"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/.well-known/jwks.json",
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/.well-known/jwks.json`, {
      method: "GET",
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/.well-known/jwks.json", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OauthJwksResponse200 | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> OauthJwksResponse200 | Problem | None:
    """The public keys that sign access tokens (RFC 7517), for verifying them offline. A retired key
    stays here until every token it signed has expired. Requires: nothing.



    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/.well-known/jwks.json"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/.well-known/jwks.json",
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/.well-known/jwks.json`, {
      method: "GET",
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/.well-known/jwks.json", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OauthJwksResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
