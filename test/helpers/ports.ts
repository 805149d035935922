import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The lowest port the kernel hands out as the local end of outgoing connections (Linux: 32768 unless configured).
 * A port in that range can be free when chosen and taken a moment later by any connection on the machine — among
 * them the dev server's own connections while it starts, before it binds its Web UI (seen in CI: "can't set UI
 * port …: address already in use").
 */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** True when this process can bind the port on loopback now (stronger than a connect probe: it sees outgoing connections' ports too). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port whose +1000 neighbour (the Web UI's conventional port) is free too, both below the ephemeral range, for an embedded server of its own. */
export async function freePortPair(): Promise<number> {
  const highest = ephemeralLow() - 1_001;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 10_000 + Math.floor(Math.random() * (highest - 10_000));
    if ((await canBind(port)) && (await canBind(port + 1_000))) return port;
  }
  throw new Error(`found no free pair of ports between 10000 and ${highest + 1_000}`);
}
