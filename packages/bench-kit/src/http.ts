/** An HTTP/1.1 client for load: node:http with a keep-alive agent, one socket per request in flight. */
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  text: string;
}

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(port: number, method: string, urlPath: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return this.requestRaw(port, method, urlPath, payload, {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload ? { 'content-type': 'application/json' } : {}),
    });
  }

  /** A request with the body sent as given (any bytes, any media type in `headers`). */
  requestRaw(port: number, method: string, urlPath: string, body: string | Buffer | undefined, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    return this.send(port, method, urlPath, payload, headers, true);
  }

  /**
   * `retryStale`: a kept-alive socket the server closed (its keep-alive timeout) just as this
   * request took it answers ECONNRESET before any response; such a request is sent once more on
   * a new socket (the server never saw it).
   */
  private send(port: number, method: string, urlPath: string, payload: Buffer | undefined, headers: Record<string, string>, retryStale: boolean): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port, method, path: urlPath, agent: this.agent,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (retryStale && req.reusedSocket && error.code === 'ECONNRESET') this.send(port, method, urlPath, payload, headers, false).then(resolve, reject);
        else reject(error);
      });
      req.end(payload);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}
