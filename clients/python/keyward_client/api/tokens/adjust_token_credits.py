from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.adjust_credits import AdjustCredits
from ...models.credits_view import CreditsView
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    id: UUID,
    *,
    body: AdjustCredits,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tokens/{id}/credits".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CreditsView | Problem | None:
    if response.status_code == 200:
        response_200 = CreditsView.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreditsView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: AdjustCredits,
) -> Response[CreditsView | Problem]:
    """ Top up a token's credits (`{"add": n}`) or set them (`{"set": n}`); audited. Verifications
    see the new balance at once, on every node. 404 when the token has no credits.
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/tokens/{id}/credits" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/tokens/{id}/credits",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/tokens/{id}/credits`, {
      method: "POST",
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
    let url = format!("{}/v1/tokens/{id}/credits", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (UUID):
        body (AdjustCredits): A top-up: exactly one of `add` and `set`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreditsView | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: AdjustCredits,
) -> CreditsView | Problem | None:
    """ Top up a token's credits (`{"add": n}`) or set them (`{"set": n}`); audited. Verifications
    see the new balance at once, on every node. 404 when the token has no credits.
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/tokens/{id}/credits" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/tokens/{id}/credits",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/tokens/{id}/credits`, {
      method: "POST",
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
    let url = format!("{}/v1/tokens/{id}/credits", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (UUID):
        body (AdjustCredits): A top-up: exactly one of `add` and `set`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreditsView | Problem
     """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: AdjustCredits,
) -> Response[CreditsView | Problem]:
    """ Top up a token's credits (`{"add": n}`) or set them (`{"set": n}`); audited. Verifications
    see the new balance at once, on every node. 404 when the token has no credits.
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/tokens/{id}/credits" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/tokens/{id}/credits",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/tokens/{id}/credits`, {
      method: "POST",
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
    let url = format!("{}/v1/tokens/{id}/credits", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (UUID):
        body (AdjustCredits): A top-up: exactly one of `add` and `set`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreditsView | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: AdjustCredits,
) -> CreditsView | Problem | None:
    """ Top up a token's credits (`{"add": n}`) or set them (`{"set": n}`); audited. Verifications
    see the new balance at once, on every node. 404 when the token has no credits.
    Requires: super admin or keyward:admin.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/tokens/{id}/credits" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/tokens/{id}/credits",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/tokens/{id}/credits`, {
      method: "POST",
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
    let url = format!("{}/v1/tokens/{id}/credits", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (UUID):
        body (AdjustCredits): A top-up: exactly one of `add` and `set`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreditsView | Problem
     """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
