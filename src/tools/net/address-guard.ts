import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Why an address is refused, in words the model (and an operator) can act on. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  linkLocal: 'a link-local address (this includes cloud metadata services such as 169.254.169.254)',
  carrierGradeNat: 'a carrier-grade NAT address',
  uniqueLocal: 'a unique-local IPv6 address',
  unspecified: 'the unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * Returns why `address` (an IP literal) must not be reached, or undefined when it is an ordinary public
 * unicast address. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry; IPv6 forms that
 * embed IPv4 (NAT64, 6to4, Teredo) are refused outright.
 */
export function refusalForAddress(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return `"${address}" is not an IP address`;
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return refusalForAddress((parsed as ipaddr.IPv6).toIPv4Address().toString());
  }
  if (parsed.kind() === 'ipv6' && isIPv4Compatible(parsed as ipaddr.IPv6)) {
    // ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1): some stacks route it to the IPv4 address it carries.
    return `${parsed.toString()} is an IPv4-compatible IPv6 address (::/96), which may reach the IPv4 address it embeds`;
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  return `${parsed.toString()} is ${RANGE_WORDS[range] ?? `in the "${range}" range`}`;
}

/** True for ::/96 other than :: and ::1 (those keep their own, clearer refusals). */
function isIPv4Compatible(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  if (parts.slice(0, 6).some((part) => part !== 0)) return false;
  const low = (parts[6] ?? 0) * 65_536 + (parts[7] ?? 0);
  return low > 1;
}

/** Resolves a hostname to every address it has; IP literals resolve to themselves. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(bare)) return [bare];
  const results = await lookup(bare, { all: true, verbatim: true });
  return results.map((result) => result.address);
};

/** `host:port` pairs that may be reached despite the guard (`AGENT_HTTP_ALLOW`). */
export class HostAllowlist {
  private readonly entries: Set<string>;

  constructor(entries: readonly string[]) {
    this.entries = new Set(entries.map((entry) => HostAllowlist.normalize(entry)));
  }

  static normalize(entry: string): string {
    return entry.trim().toLowerCase().replace(/^\[(.*)\](:\d+)$/, '$1$2');
  }

  allows(host: string, port: number): boolean {
    return this.entries.has(HostAllowlist.normalize(`${host.replace(/^\[|\]$/g, '')}:${port}`));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Raised when a destination is refused; the tool shows the message to the model. */
export class DestinationRefused extends Error {
  override name = 'ToolError';
}

/**
 * Decides where to connect for `url`: resolves its host once, checks every address, and returns the one
 * address to connect to. The caller connects to exactly that address, so a DNS answer that changes between
 * check and connect (rebinding) cannot reach anything the check refused.
 */
export async function checkDestination(url: URL, allowlist: HostAllowlist, resolve: Resolver): Promise<{ address: string; port: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DestinationRefused(`refused ${url.protocol.replace(/:$/, '')}: URL: only http and https are allowed`);
  }
  if (url.username || url.password) throw new DestinationRefused('refused a URL with credentials in it');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/\.$/, '');
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A name that does not exist is an answer the model can act on; a failing resolver is a passing fault: retried.
    if (code === 'ENOTFOUND' || code === 'ENODATA') throw new DestinationRefused(`cannot resolve ${host}: no such host (${code})`);
    throw new Error(`DNS lookup of ${host} failed (${code ?? (error as Error).message}); it will be retried`, { cause: error });
  }
  if (addresses.length === 0) throw new DestinationRefused(`${host} has no address`);
  if (allowlist.allows(host, port)) return { address: addresses[0] ?? host, port };
  for (const address of addresses) {
    if (allowlist.allows(address, port)) continue;
    const refusal = refusalForAddress(address);
    if (refusal) {
      const via = host === address.replace(/^\[|\]$/g, '') ? '' : ` (${host} resolves to it)`;
      throw new DestinationRefused(`refused ${url.protocol}//${url.host}: ${refusal}${via}. An operator can allow it with AGENT_HTTP_ALLOW=${host}:${port}`);
    }
  }
  return { address: addresses[0] ?? host, port };
}
