from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_token_view import ListTokenView
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expiring_within_days: int | Unset = UNSET,
    unused_for_days: int | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["status"] = status

    params["expiring_within_days"] = expiring_within_days

    params["unused_for_days"] = unused_for_days

    json_api_user_id: str | Unset = UNSET
    if not isinstance(api_user_id, Unset):
        json_api_user_id = str(api_user_id)
    params["api_user_id"] = json_api_user_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/api-users/{id}/tokens".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListTokenView | Problem | None:
    if response.status_code == 200:
        response_200 = ListTokenView.from_dict(response.json())

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
) -> Response[ListTokenView | Problem]:
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
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expiring_within_days: int | Unset = UNSET,
    unused_for_days: int | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
) -> Response[ListTokenView | Problem]:
    """ List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
    member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/api-users/{id}/tokens" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/tokens",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/tokens`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/tokens", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset):
        expiring_within_days (int | Unset):
        unused_for_days (int | Unset):
        api_user_id (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListTokenView | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
        limit=limit,
        cursor=cursor,
        status=status,
        expiring_within_days=expiring_within_days,
        unused_for_days=unused_for_days,
        api_user_id=api_user_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expiring_within_days: int | Unset = UNSET,
    unused_for_days: int | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
) -> ListTokenView | Problem | None:
    """ List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
    member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/api-users/{id}/tokens" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/tokens",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/tokens`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/tokens", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset):
        expiring_within_days (int | Unset):
        unused_for_days (int | Unset):
        api_user_id (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListTokenView | Problem
     """

    return sync_detailed(
        id=id,
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        expiring_within_days=expiring_within_days,
        unused_for_days=unused_for_days,
        api_user_id=api_user_id,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expiring_within_days: int | Unset = UNSET,
    unused_for_days: int | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
) -> Response[ListTokenView | Problem]:
    """ List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
    member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/api-users/{id}/tokens" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/tokens",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/tokens`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/tokens", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset):
        expiring_within_days (int | Unset):
        unused_for_days (int | Unset):
        api_user_id (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListTokenView | Problem]
     """

    kwargs = _get_kwargs(
        id=id,
        limit=limit,
        cursor=cursor,
        status=status,
        expiring_within_days=expiring_within_days,
        unused_for_days=unused_for_days,
        api_user_id=api_user_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    expiring_within_days: int | Unset = UNSET,
    unused_for_days: int | Unset = UNSET,
    api_user_id: UUID | Unset = UNSET,
) -> ListTokenView | Problem | None:
    """ List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
    member, or keyward:read.

     

    **Request samples**

    curl:
    ```sh
    curl -X GET "$KEYWARD_URL/v1/api-users/{id}/tokens" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.request(
        "GET", os.environ["KEYWARD_URL"] + "/v1/api-users/{id}/tokens",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/api-users/{id}/tokens`, {
      method: "GET",
      headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["json"] }
    let url = format!("{}/v1/api-users/{id}/tokens", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::GET, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        id (str):
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset):
        expiring_within_days (int | Unset):
        unused_for_days (int | Unset):
        api_user_id (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListTokenView | Problem
     """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            expiring_within_days=expiring_within_days,
            unused_for_days=unused_for_days,
            api_user_id=api_user_id,
        )
    ).parsed
