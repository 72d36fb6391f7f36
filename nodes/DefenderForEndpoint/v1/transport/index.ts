/*
 * The only place that does HTTP, authentication and error mapping. The client (requests, retries,
 * pacing) is in client.ts; the shapes of a call in call.ts; failure classification in failures.ts;
 * the credential's handling in credential.ts; the clock and limiters a node runs on in runtime.ts;
 * the state the process shares in processState.ts; Defender's paths in endpoints.ts.
 */
export type { Answer, ApiCall, CallContext, ExecutionContext } from './call';
export { RetryBudget } from './call';
export { DefenderClient } from './client';
export { CREDENTIAL_TYPES } from './credential';
export { processRuntime, runtimeWith, wallClock, type Clock, type Runtime } from './runtime';
