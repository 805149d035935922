import { probeTcp } from '../../src/config/connect';

/** A free port whose +1000 neighbour (the Web UI's conventional port) is free too, for an embedded server of its own. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const busy = await Promise.all([port, port + 1000].map((candidate) => probeTcp(`127.0.0.1:${candidate}`, 300).then(() => true, () => false)));
    if (!busy.some(Boolean)) return port;
  }
  throw new Error('found no free pair of ports');
}
