// A NATS JetStream cluster of real nats-server processes on one host: for tests and benchmarks
// of what production runs (several nodes, streams with replicas), without containers.
import { join, resolve } from 'node:path';
import { type NatsCredentials, type NatsServer, type NatsServerOptions, startNatsServer } from './nats-server.js';
import { freePort } from './processes.js';

export interface NatsClusterOptions extends Pick<NatsServerOptions, 'users' | 'executable' | 'startTimeoutMs' | 'stopTimeoutMs'> {
  /** Node i keeps its JetStream data in `<dataDir>/node-<i>`; the shared passwords are in `<dataDir>`. */
  dataDir: string;
  /** Number of nodes; default 3. */
  size?: number;
  /** Default `cfund`. */
  name?: string;
  host?: string;
}

export interface NatsClusterNode {
  /** `node-1`, `node-2`, ...: the server name JetStream reports (e.g. a stream's `cluster.leader`). */
  name: string;
  url: string;
  /** Undefined while the node is down. */
  server: NatsServer | undefined;
}

export interface NatsCluster {
  nodes: NatsClusterNode[];
  /** Every node's client URL: give them all to a client, which then fails over between them. */
  urls: string[];
  credentials: Record<string, NatsCredentials>;
  node(name: string): NatsClusterNode;
  /** SIGKILL: no clean shutdown, as a crashed machine or the OOM killer. Resolves once it is gone. */
  kill(name: string): Promise<void>;
  /** Starts a stopped node again on its ports and with its data; it rejoins the cluster. */
  restart(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts `size` nodes on free ports of `host`, each routing to the others, and waits until each listens. */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const host = options.host ?? '127.0.0.1';
  const size = options.size ?? 3;
  const dataDir = resolve(options.dataDir);
  const ports: Array<{ client: number; route: number }> = [];
  for (let i = 0; i < size; i += 1) ports.push({ client: await freePort(host), route: await freePort(host) });
  const routeUrl = (i: number) => `nats://${host}:${ports[i]!.route}`;

  const nodes: NatsClusterNode[] = ports.map((p, i) => ({ name: `node-${i + 1}`, url: `nats://${host}:${p.client}`, server: undefined }));
  const start = async (i: number): Promise<NatsServer> => {
    const node = nodes[i]!;
    node.server = await startNatsServer({
      ...options,
      dataDir: join(dataDir, node.name),
      credentialsDir: dataDir,
      host,
      port: ports[i]!.client,
      cluster: {
        name: options.name ?? 'cfund',
        serverName: node.name,
        port: ports[i]!.route,
        routes: ports.map((_, j) => j).filter((j) => j !== i).map(routeUrl),
      },
    });
    return node.server;
  };
  const node = (name: string): NatsClusterNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no NATS cluster node ${name} (nodes: ${nodes.map((n) => n.name).join(', ')})`);
    return found;
  };
  const close = () => Promise.all(nodes.map((n) => n.server?.close())).then(() => undefined);

  try {
    const servers = await Promise.all(nodes.map((_, i) => start(i)));
    return {
      nodes,
      urls: nodes.map((n) => n.url),
      credentials: servers[0]!.credentials,
      node,
      async kill(name) {
        const n = node(name);
        const server = n.server;
        if (!server) return;
        n.server = undefined;
        server.process.kill('SIGKILL');
        await server.exited;
        await server.close(); // removes what a killed server leaves behind (its ports file)
      },
      async restart(name) {
        const n = node(name);
        if (n.server) throw new Error(`NATS cluster node ${name} is running`);
        await start(nodes.indexOf(n));
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
