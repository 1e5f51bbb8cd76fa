/**
 * HttpClient against a real HTTP/1.1 server that closes a kept-alive connection as the next
 * request arrives on it (what a server's keep-alive timeout does when it races a client).
 */
import net from 'node:net';
import t from 'tap';
import { HttpClient } from '../src/http.ts';

t.test('a request that meets a kept-alive socket the server reset is sent again on a new one', async (t) => {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let requests = 0;
    socket.on('data', () => {
      requests += 1;
      // Every connection answers its first request and resets on the second.
      if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      else socket.resetAndDestroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { server.close(); });
  const port = (server.address() as net.AddressInfo).port;
  const client = new HttpClient(1);
  t.teardown(() => client.destroy());
  t.same(await client.request(port, 'GET', '/a'), { status: 200, text: 'ok' });
  t.same(await client.request(port, 'GET', '/b'), { status: 200, text: 'ok' }, 'answered on a new connection');
  t.equal(connections, 2);
});
