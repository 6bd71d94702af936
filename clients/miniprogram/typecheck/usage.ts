// Compiled by `tsc -p tsconfig.json` (make clients-test): the typed client accepts what the document allows and
// answers its schemas; the @ts-expect-error lines must stay errors.
import type { components } from "../types/api";
import { createClient } from "../src/client";

declare const wx: { request(o: unknown): void; uploadFile(o: unknown): void };

export async function usage(): Promise<void> {
  const api = createClient({ baseUrl: "https://example.invalid", wx });
  const me: components["schemas"]["MeOut"] = await api.call("get", "/api/mp/v1/me");
  const item = await api.call("get", "/api/mp/v1/evidence/{evidence_id}", { params: { evidence_id: "x" } });
  const id: string = item.id;
  // @ts-expect-error: not a path of the document
  await api.call("get", "/api/mp/v1/nowhere");
  // @ts-expect-error: the upload declaration needs its sha256, size, title ...
  await api.call("post", "/api/mp/v1/cases/{case_id}/evidence/uploads", { params: { case_id: "c" }, data: { filename: "a" } });
  void me;
  void id;
}
