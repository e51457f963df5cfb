from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.totp_code import TotpCode
from ...types import Response


def _get_kwargs(
    *,
    body: TotpCode,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/me/totp",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
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
    *,
    client: AuthenticatedClient | Client,
    body: TotpCode,
) -> Response[Any | Problem]:
    """ Turn your two-factor sign-in off; needs a current code (or a recovery code).
    Requires: a member session.

     

    **Request samples**

    curl:
    ```sh
    curl -X DELETE "$KEYWARD_URL/v1/me/totp" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "DELETE", os.environ["KEYWARD_URL"] + "/v1/me/totp",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/me/totp`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`, "Content-Type":
    "application/json" },
      body: JSON.stringify(body),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let body = serde_json::json!({}); // the request body, as documented below
    let url = format!("{}/v1/me/totp", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::DELETE, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (TotpCode):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
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
    body: TotpCode,
) -> Any | Problem | None:
    """ Turn your two-factor sign-in off; needs a current code (or a recovery code).
    Requires: a member session.

     

    **Request samples**

    curl:
    ```sh
    curl -X DELETE "$KEYWARD_URL/v1/me/totp" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "DELETE", os.environ["KEYWARD_URL"] + "/v1/me/totp",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/me/totp`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`, "Content-Type":
    "application/json" },
      body: JSON.stringify(body),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let body = serde_json::json!({}); // the request body, as documented below
    let url = format!("{}/v1/me/totp", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::DELETE, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (TotpCode):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TotpCode,
) -> Response[Any | Problem]:
    """ Turn your two-factor sign-in off; needs a current code (or a recovery code).
    Requires: a member session.

     

    **Request samples**

    curl:
    ```sh
    curl -X DELETE "$KEYWARD_URL/v1/me/totp" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "DELETE", os.environ["KEYWARD_URL"] + "/v1/me/totp",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/me/totp`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`, "Content-Type":
    "application/json" },
      body: JSON.stringify(body),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let body = serde_json::json!({}); // the request body, as documented below
    let url = format!("{}/v1/me/totp", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::DELETE, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (TotpCode):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
     """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TotpCode,
) -> Any | Problem | None:
    """ Turn your two-factor sign-in off; needs a current code (or a recovery code).
    Requires: a member session.

     

    **Request samples**

    curl:
    ```sh
    curl -X DELETE "$KEYWARD_URL/v1/me/totp" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "DELETE", os.environ["KEYWARD_URL"] + "/v1/me/totp",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/me/totp`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`, "Content-Type":
    "application/json" },
      body: JSON.stringify(body),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let body = serde_json::json!({}); // the request body, as documented below
    let url = format!("{}/v1/me/totp", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::DELETE, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (TotpCode):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
     """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
