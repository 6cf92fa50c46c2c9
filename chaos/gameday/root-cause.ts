// Whether a responder's hypothesis names the root cause of 20 October: the DNS records of the regional
// kv endpoint (emptied by the race), or the DNS enactors (whose race emptied them). Words, not meaning: a
// hypothesis counts when its text, or the text and the service it suspects, name both the kv endpoint
// and its DNS records, or name the enactors. "DNS is broken" alone names no endpoint; "kv-2 is slow"
// names no DNS. Negations are not understood ("not DNS" still mentions DNS): the facilitator reads the
// hypotheses in the report and the review.

/** The regional kv endpoint, or the store behind it (DynamoDB at AWS). */
const KV = /\bkv\b|\bkv[.-]|dynamo|key[ -]?value/i;
/** Its DNS records, or what a resolver gets from them. */
const DNS_RECORDS = /\bdns\b|\brecords?\b|resolv|\bnodata\b|no data|no (ip )?address|zero answers|empty answer|\bA records?\b|\balias\b|\bzone\b|name ?server|lookup/i;
const ENACTORS = /enactor/i;

const KV_SERVICE = /^kv-\d+$/;
const DNS_SERVER = /^dns-server$/;
const ENACTOR_SERVICE = /^dns-enactor-/;

export interface Hypothesis {
  text: string;
  /** The lab service it suspects (a compose service name), if any. */
  service: string | null;
}

/** True when the hypothesis names the kv endpoint's DNS records or the enactors. */
export function namesRootCause({ text, service }: Hypothesis): boolean {
  if (ENACTORS.test(text) || (service !== null && ENACTOR_SERVICE.test(service))) return true;
  const kv = KV.test(text) || (service !== null && KV_SERVICE.test(service));
  const dns = DNS_RECORDS.test(text) || (service !== null && DNS_SERVER.test(service));
  return kv && dns;
}
