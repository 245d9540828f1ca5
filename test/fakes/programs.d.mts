// Types for ./programs.mjs, the fake programs' behaviour.
/** Answers one call of a fake program (fakes.ts gives it its own type). */
export declare function handle(
  store: import('./types.ts').Store,
  req: import('./types.ts').CallRequest,
): Promise<import('./types.ts').CallAnswer>;
/** The CRDs of a Gateway API release file, as that release ships them. */
export declare function gatewayApiCrds(version: string): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations: Record<string, string> };
  spec: { group: string; names: { kind: string; plural: string }; scope: string };
}[];
