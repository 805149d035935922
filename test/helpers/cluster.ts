/** A base port whose whole range (PostgreSQL, UI, two nodes: 30 ports) is free on 127.0.0.1. */
export { freeBasePort } from '../../src/cluster/cluster-processes';
