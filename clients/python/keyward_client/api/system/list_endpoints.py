from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.endpoint_view import EndpointView
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/endpoints",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[EndpointView] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = EndpointView.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | list[EndpointView]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | list[EndpointView]]:
    """ The API URLs of this deployment: method, path, what it does and who may call it.
    Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/endpoints" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/endpoints",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/endpoints`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/endpoints", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[EndpointView]]
     """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Problem | list[EndpointView] | None:
    """ The API URLs of this deployment: method, path, what it does and who may call it.
    Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/endpoints" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/endpoints",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/endpoints`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/endpoints", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[EndpointView]
     """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | list[EndpointView]]:
    """ The API URLs of this deployment: method, path, what it does and who may call it.
    Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/endpoints" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/endpoints",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/endpoints`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/endpoints", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[EndpointView]]
     """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Problem | list[EndpointView] | None:
    """ The API URLs of this deployment: method, path, what it does and who may call it.
    Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/endpoints" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/endpoints",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/endpoints`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/endpoints", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[EndpointView]
     """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
