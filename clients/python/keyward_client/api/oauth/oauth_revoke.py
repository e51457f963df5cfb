from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.o_auth_error import OAuthError
from ...models.problem import Problem
from ...models.revoke_request import RevokeRequest
from ...types import Response


def _get_kwargs(
    *,
    body: RevokeRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/oauth2/revoke",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | OAuthError | Problem | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
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

    if response.status_code == 429:
        response_429 = OAuthError.from_dict(response.json())

        return response_429

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
) -> Response[Any | OAuthError | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RevokeRequest,
) -> Response[Any | OAuthError | Problem]:
    """ Revoke one of the client's own tokens (RFC 7009). The answer is 200 whether or not the token
    was valid, so it reveals nothing. The client authenticates as for `/oauth2/token`.
    Requires: the client's own credentials.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/revoke" \\
      -u "$CLIENT_ID:$CLIENT_SECRET" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/revoke",
        auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/revoke`, {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(`${encodeURIComponent(process.env.CLIENT_ID)}:${encodeUR
    IComponent(process.env.CLIENT_SECRET)}`) },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/revoke", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .basic_auth(std::env::var("CLIENT_ID")?, Some(std::env::var("CLIENT_SECRET")?))
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (RevokeRequest): `application/x-www-form-urlencoded` body of `POST /oauth2/revoke`
            (RFC 7009).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OAuthError | Problem]
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
    client: AuthenticatedClient,
    body: RevokeRequest,
) -> Any | OAuthError | Problem | None:
    """ Revoke one of the client's own tokens (RFC 7009). The answer is 200 whether or not the token
    was valid, so it reveals nothing. The client authenticates as for `/oauth2/token`.
    Requires: the client's own credentials.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/revoke" \\
      -u "$CLIENT_ID:$CLIENT_SECRET" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/revoke",
        auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/revoke`, {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(`${encodeURIComponent(process.env.CLIENT_ID)}:${encodeUR
    IComponent(process.env.CLIENT_SECRET)}`) },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/revoke", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .basic_auth(std::env::var("CLIENT_ID")?, Some(std::env::var("CLIENT_SECRET")?))
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (RevokeRequest): `application/x-www-form-urlencoded` body of `POST /oauth2/revoke`
            (RFC 7009).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OAuthError | Problem
     """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RevokeRequest,
) -> Response[Any | OAuthError | Problem]:
    """ Revoke one of the client's own tokens (RFC 7009). The answer is 200 whether or not the token
    was valid, so it reveals nothing. The client authenticates as for `/oauth2/token`.
    Requires: the client's own credentials.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/revoke" \\
      -u "$CLIENT_ID:$CLIENT_SECRET" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/revoke",
        auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/revoke`, {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(`${encodeURIComponent(process.env.CLIENT_ID)}:${encodeUR
    IComponent(process.env.CLIENT_SECRET)}`) },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/revoke", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .basic_auth(std::env::var("CLIENT_ID")?, Some(std::env::var("CLIENT_SECRET")?))
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (RevokeRequest): `application/x-www-form-urlencoded` body of `POST /oauth2/revoke`
            (RFC 7009).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OAuthError | Problem]
     """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RevokeRequest,
) -> Any | OAuthError | Problem | None:
    """ Revoke one of the client's own tokens (RFC 7009). The answer is 200 whether or not the token
    was valid, so it reveals nothing. The client authenticates as for `/oauth2/token`.
    Requires: the client's own credentials.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/oauth2/revoke" \\
      -u "$CLIENT_ID:$CLIENT_SECRET" \\
      --data-urlencode token="$TOKEN"
    ```

    Python:
    ```python
    import os, requests

    r = requests.post(
        os.environ["KEYWARD_URL"] + "/oauth2/revoke",
        auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),
        data={"token": os.environ["TOKEN"]},
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const res = await fetch(`${process.env.KEYWARD_URL}/oauth2/revoke`, {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(`${encodeURIComponent(process.env.CLIENT_ID)}:${encodeUR
    IComponent(process.env.CLIENT_SECRET)}`) },
      body: new URLSearchParams({ token: process.env.TOKEN }),
    });
    console.log(res.status, await res.text());
    ```

    Rust:
    ```rust
    // reqwest = { version = "0.13", features = ["form"] }
    let url = format!("{}/oauth2/revoke", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .post(url)
        .basic_auth(std::env::var("CLIENT_ID")?, Some(std::env::var("CLIENT_SECRET")?))
        .form(&[("token", std::env::var("TOKEN")?)])
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (RevokeRequest): `application/x-www-form-urlencoded` body of `POST /oauth2/revoke`
            (RFC 7009).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OAuthError | Problem
     """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
