// The one hand-written file: a client bound to a keyward server and a bearer token. Everything
// typed comes from `schema.ts`, generated from docs/openapi.json by `scripts/clients.sh`.
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
/** A schema of the API by name, e.g. `Schema<"TokenView">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
export type KeywardClient = Client<paths>;

export interface KeywardOptions extends Omit<ClientOptions, "headers"> {
  /** Where keyward answers, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A member session (from `POST /v1/auth/login`) or an API token. */
  token?: string;
  /** Headers sent with every request, besides `Authorization`. */
  headers?: Record<string, string>;
}

/** A client whose methods (`GET`, `POST`, …) take the API's paths and check bodies and answers. */
export function createKeyward({ token, headers, ...options }: KeywardOptions): KeywardClient {
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  return createClient<paths>({ ...options, headers: { ...auth, ...headers } });
}
