import { isPortInUse } from '../../src/cluster/cluster-processes';

/** A base port whose whole range (PostgreSQL, UI, two nodes: 30 ports) is free on 127.0.0.1. */
export async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Below 32768: Temporal's SQL schema keeps membership ports in a smallint.
    const base = 10_000 + 40 * Math.floor(Math.random() * 500);
    let free = true;
    for (let port = base; port < base + 30 && free; port += 1) free = !(await isPortInUse(port));
    if (free) return base;
  }
  throw new Error('no free range of 30 ports found');
}
