// `why` for the dashboard: src/why's fetch + diagnosis with the user's own client, so the
// answer sees exactly what the user may read (a list they may not read is named, the subject
// they may not read is a 403, as `k8ts why` says it in one line).
import { StatusError } from '../api/status.js';
import type { RestClient } from '../client/rest-client.js';
import { diagnose, fetchFacts, parseTarget, renderJson, restSource, WhyInputError } from '../why/index.js';

/** The diagnosis as `k8ts why -o json` prints it: {healthy, subject, link, cause, chain, evidence}. */
export async function diagnoseFor(client: RestClient, kind: string, name: string, namespace: string): Promise<unknown> {
  try {
    const target = parseTarget([`${kind}/${name}`]);
    const { subject, facts } = await fetchFacts(restSource(client), target, namespace);
    return JSON.parse(renderJson(diagnose(subject, facts)));
  } catch (e) {
    if (!(e instanceof WhyInputError)) throw e;
    // The why layer's one line, with the code it stands for.
    if (/ not found/.test(e.message)) throw new StatusError({ code: 404, reason: 'NotFound', message: e.message });
    if (/may not read/.test(e.message)) throw new StatusError({ code: 403, reason: 'Forbidden', message: e.message });
    throw new StatusError({ code: 400, reason: 'BadRequest', message: e.message });
  }
}
