import { sleep } from 'n8n-workflow';

/**
 * What a timed-out call resolves to: n8n's OAuth2 client gives the token request five minutes, we
 * give it Timeout.
 */
export const TIMED_OUT = Symbol('timed out');

/**
 * The call, or TIMED_OUT after `ms`: n8n applies Timeout to the API request but gives a token
 * request made on the way five minutes. A call cut short this way is treated like a lost answer.
 */
export async function withDeadline<T>(
	request: Promise<T>,
	ms: number,
): Promise<T | typeof TIMED_OUT> {
	const timer = new AbortController();
	// The call may still settle after the deadline: nobody waits for it then.
	request.catch(() => undefined);
	const timedOut = (): typeof TIMED_OUT => TIMED_OUT;
	const deadline = sleep(ms, timer.signal).then(timedOut, timedOut);
	try {
		return await Promise.race([request, deadline]);
	} finally {
		timer.abort();
	}
}
