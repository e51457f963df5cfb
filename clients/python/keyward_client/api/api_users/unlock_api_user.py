from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/api-users/{id}/unlock".format(
            id=quote(str(id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

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
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """ Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
    once).
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/api-users/{id}/unlock" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/unlock",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/unlock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/unlock", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """ Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
    once).
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/api-users/{id}/unlock" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/unlock",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/unlock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/unlock", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return sync_detailed(
        id=id,
        client=client,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """ Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
    once).
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/api-users/{id}/unlock" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/unlock",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/unlock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/unlock", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """ Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
    once).
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/api-users/{id}/unlock" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/unlock",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/unlock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/unlock", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
        )
    ).parsed
