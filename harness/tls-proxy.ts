import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Terminates mutual TLS in front of a plain TCP service: the Temporal CLI dev server has no TLS flags,
 * so a test reaches the real server through this, with a real handshake and real certificates. A client
 * without a certificate the CA signed is refused in the handshake. HTTP/2 only (ALPN `h2`), as gRPC is.
 */
export class TlsProxy {
  private readonly sockets = new Set<Socket>();
  /** Why each refused handshake was refused (e.g. no client certificate), oldest first. */
  readonly refusals: string[] = [];

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly port: number,
  ) {}

  static async start(
    target: Endpoint,
    { cert, key, ca }: { cert: Buffer; key: Buffer; ca: Buffer },
  ): Promise<TlsProxy> {
    const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] });
    const port = await new Promise<number>((listening, failed) => {
      server.once('error', failed);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        listening(typeof address === 'object' && address ? address.port : 0);
      });
    });
    const proxy = new TlsProxy(server, port);
    server.on('secureConnection', (client) => proxy.pipe(client, target));
    // A refused handshake is the point of some tests; it is no error of the proxy's.
    server.on('tlsClientError', (error) => proxy.refusals.push(error.message));
    return proxy;
  }

  private pipe(client: TLSSocket, target: Endpoint): void {
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
