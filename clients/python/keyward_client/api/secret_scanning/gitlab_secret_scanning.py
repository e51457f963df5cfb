from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.leak_feedback import LeakFeedback
from ...models.leak_report import LeakReport
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: list[LeakReport],
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/secret-scanning/gitlab",
    }

    _kwargs["json"] = []
    for body_item_data in body:
        body_item = body_item_data.to_dict()
        _kwargs["json"].append(body_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[LeakFeedback] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = LeakFeedback.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

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
) -> Response[Problem | list[LeakFeedback]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: list[LeakReport],
) -> Response[Problem | list[LeakFeedback]]:
    """ GitLab's secret-detection call: the same shape as GitHub's, signed with
    `Gitlab-Public-Key-Identifier` and `Gitlab-Public-Key-Signature` by a key from the
    document at `--gitlab-secret-scanning-keys-url` (without it this answers 404).
    Requires: the scanner's signature.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/secret-scanning/gitlab" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/secret-scanning/gitlab",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/secret-scanning/gitlab`, {
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
    let url = format!("{}/v1/secret-scanning/gitlab", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (list[LeakReport]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[LeakFeedback]]
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
    body: list[LeakReport],
) -> Problem | list[LeakFeedback] | None:
    """ GitLab's secret-detection call: the same shape as GitHub's, signed with
    `Gitlab-Public-Key-Identifier` and `Gitlab-Public-Key-Signature` by a key from the
    document at `--gitlab-secret-scanning-keys-url` (without it this answers 404).
    Requires: the scanner's signature.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/secret-scanning/gitlab" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/secret-scanning/gitlab",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/secret-scanning/gitlab`, {
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
    let url = format!("{}/v1/secret-scanning/gitlab", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (list[LeakReport]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[LeakFeedback]
     """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: list[LeakReport],
) -> Response[Problem | list[LeakFeedback]]:
    """ GitLab's secret-detection call: the same shape as GitHub's, signed with
    `Gitlab-Public-Key-Identifier` and `Gitlab-Public-Key-Signature` by a key from the
    document at `--gitlab-secret-scanning-keys-url` (without it this answers 404).
    Requires: the scanner's signature.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/secret-scanning/gitlab" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/secret-scanning/gitlab",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/secret-scanning/gitlab`, {
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
    let url = format!("{}/v1/secret-scanning/gitlab", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (list[LeakReport]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[LeakFeedback]]
     """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: list[LeakReport],
) -> Problem | list[LeakFeedback] | None:
    """ GitLab's secret-detection call: the same shape as GitHub's, signed with
    `Gitlab-Public-Key-Identifier` and `Gitlab-Public-Key-Signature` by a key from the
    document at `--gitlab-secret-scanning-keys-url` (without it this answers 404).
    Requires: the scanner's signature.

     

    **Request samples**

    curl:
    ```sh
    curl -X POST "$KEYWARD_URL/v1/secret-scanning/gitlab" \\
      -H "Authorization: Bearer $KEYWARD_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d @request.json
    ```

    Python:
    ```python
    import os, requests

    body = {}  # the request body, as documented below
    r = requests.request(
        "POST", os.environ["KEYWARD_URL"] + "/v1/secret-scanning/gitlab",
        headers={"Authorization": f"Bearer {os.environ['KEYWARD_TOKEN']}"},
        json=body,
    )
    print(r.status_code, r.text)
    ```

    JavaScript:
    ```js
    const body = {}; // the request body, as documented below
    const res = await fetch(`${process.env.KEYWARD_URL}/v1/secret-scanning/gitlab`, {
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
    let url = format!("{}/v1/secret-scanning/gitlab", std::env::var("KEYWARD_URL")?);
    let res = reqwest::Client::new()
        .request(reqwest::Method::POST, url)
        .bearer_auth(std::env::var("KEYWARD_TOKEN")?)
        .json(&body)
        .send()
        .await?;
    println!("{} {}", res.status(), res.text().await?);
    ```

    Args:
        body (list[LeakReport]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[LeakFeedback]
     """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
