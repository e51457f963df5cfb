from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.usage_series_view import UsageSeriesView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    token_id: UUID | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
    hours: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_token_id: str | Unset = UNSET
    if not isinstance(token_id, Unset):
        json_token_id = str(token_id)
    params["token_id"] = json_token_id

    json_api_user_id: str | Unset = UNSET
    if not isinstance(api_user_id, Unset):
        json_api_user_id = str(api_user_id)
    params["api_user_id"] = json_api_user_id

    params["hours"] = hours

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | UsageSeriesView | None:
    if response.status_code == 200:
        response_200 = UsageSeriesView.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | UsageSeriesView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    token_id: UUID | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
    hours: int | Unset = UNSET,
) -> Response[Problem | UsageSeriesView]:
    """ Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
    token, an API user or the whole organization. Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/usage" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/usage",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/usage`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/usage", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        token_id (UUID | Unset):
        api_user_id (UUID | Unset):
        hours (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageSeriesView]
     """

    kwargs = _get_kwargs(
        token_id=token_id,
        api_user_id=api_user_id,
        hours=hours,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    token_id: UUID | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
    hours: int | Unset = UNSET,
) -> Problem | UsageSeriesView | None:
    """ Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
    token, an API user or the whole organization. Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/usage" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/usage",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/usage`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/usage", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        token_id (UUID | Unset):
        api_user_id (UUID | Unset):
        hours (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageSeriesView
     """

    return sync_detailed(
        client=client,
        token_id=token_id,
        api_user_id=api_user_id,
        hours=hours,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    token_id: UUID | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
    hours: int | Unset = UNSET,
) -> Response[Problem | UsageSeriesView]:
    """ Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
    token, an API user or the whole organization. Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/usage" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/usage",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/usage`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/usage", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        token_id (UUID | Unset):
        api_user_id (UUID | Unset):
        hours (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageSeriesView]
     """

    kwargs = _get_kwargs(
        token_id=token_id,
        api_user_id=api_user_id,
        hours=hours,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    token_id: UUID | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
    hours: int | Unset = UNSET,
) -> Problem | UsageSeriesView | None:
    """ Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
    token, an API user or the whole organization. Requires: any member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/usage" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/usage",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/usage`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/usage", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        token_id (UUID | Unset):
        api_user_id (UUID | Unset):
        hours (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageSeriesView
     """

    return (
        await asyncio_detailed(
            client=client,
            token_id=token_id,
            api_user_id=api_user_id,
            hours=hours,
        )
    ).parsed
