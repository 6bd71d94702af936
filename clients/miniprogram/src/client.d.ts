// Typed signatures of src/client.js over the generated types (types/api.d.ts): `call` takes a path template of
// the document and answers that operation's success body; `request` stays untyped for anything else.
import type { components, paths } from "../types/api";

export type Method = "get" | "post" | "put" | "patch" | "delete";
export type Tokens = { access_token: string; refresh_token: string };
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : undefined;
/** The JSON body of the operation's 2xx answer (undefined for 204). */
export type Success<O> = O extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202 | 204>]>
  : never;
/** The JSON request body of the operation (never when it takes none). */
export type RequestBody<O> = O extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
/** The path parameters of the operation. */
export type PathParams<O> = O extends { parameters: { path?: infer A } } ? A : never;
/** Path templates that have this method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined | never ? never : P;
}[keyof paths];

export class ApiError extends Error {
  statusCode: number;
  reason: string | undefined;
  body: components["schemas"]["Error"] | { message: string };
}

export interface WxLike {
  request(options: unknown): void;
  uploadFile(options: unknown): void;
}

export interface Options {
  baseUrl: string;
  wx: WxLike;
  tokens?: Tokens | null;
  onTokens?: (tokens: Tokens | null) => void;
  maxRetries?: number;
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  newKey?: () => string;
}

export interface Client {
  call<M extends Method, P extends PathsWith<M>>(
    method: M,
    path: P,
    init?: {
      params?: PathParams<Operation<P, M>>;
      data?: RequestBody<Operation<P, M>>;
      query?: Record<string, string | number>;
      idempotencyKey?: string;
    },
  ): Promise<Success<Operation<P, M>>>;
  request(
    method: string,
    path: string,
    init?: { data?: unknown; idempotencyKey?: string; headers?: Record<string, string> },
  ): Promise<any>;
  uploadEvidence(
    caseId: string,
    file: RequestBody<Operation<"/api/mp/v1/cases/{case_id}/evidence/uploads", "post">> & { filePath: string },
    init?: { idempotencyKey?: string; maxPolls?: number },
  ): Promise<components["schemas"]["EvidenceOut"]>;
  refresh(): Promise<Tokens>;
  tokens(): Tokens | null;
  setTokens(pair: Tokens | null): void;
}

export function createClient(options: Options): Client;
export function retryAfterMs(value: string | undefined, now?: number): number;
