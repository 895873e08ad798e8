import { connect, createServer, type Server, type Socket } from 'node:net';

// A TCP proxy on loopback that cuts its first `breaks` connections once `afterBytes` of the answer have passed:
// a network fault in the middle of a response, on demand. With `anyConnection`, it makes `breaks` cuts on
// whichever connections pass `afterBytes` first (a client with a pool of keep-alive connections opens several
// at once, and reuses them for its retries).
export class FlakyProxy {
  broken = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string, options: { breaks: number; afterBytes: number; anyConnection?: boolean }): Promise<FlakyProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FlakyProxy | undefined;
    const server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      for (const s of [client, upstream]) {
        proxy!.sockets.add(s);
        s.on('close', () => proxy!.sockets.delete(s));
        s.on('error', () => {});
      }
      const cut = proxy!.broken < options.breaks;
      let passed = 0;
      client.pipe(upstream);
      upstream.on('data', (data: Buffer) => {
        passed += data.length;
        if ((options.anyConnection ? proxy!.broken < options.breaks : cut) && passed > options.afterBytes && !client.destroyed) {
          proxy!.broken++;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(data);
      });
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FlakyProxy(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return proxy;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
