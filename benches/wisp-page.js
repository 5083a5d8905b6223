// The WebSockets a page opens for 100 sockets through one Wisp URL, in headless Chromium
// (the shared harness), against the wisp-js server with a TCP echo target.
import { launchChromium, servePackage } from '../tests/browser/harness.js';
import { startWispJs, echoServer } from '../tests/wisp/servers.js';

export async function countPageWebSockets(n) {
  const [browser, site, wisp, echo] = await Promise.all([launchChromium(), servePackage(), startWispJs(), echoServer()]);
  try {
    const page = await browser.newPage();
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(site.url);
    const echoed = await page.evaluate(async ({ url, port, n }) => {
      const { Socket } = await import('/js/browser/index.js');
      const one = () => new Promise((resolve) => {
        const s = new Socket({ proxy: url });
        s.connectedEvent = () => s.write('ping');
        s.dataAvailableEvent = () => { if (s.bytesAvailable() >= 4) { s.close(); resolve(1); } };
        s.errorEvent = () => resolve(0);
        s.connect('127.0.0.1', port);
      });
      const results = await Promise.all(Array.from({ length: n }, one));
      return results.reduce((a, b) => a + b, 0);
    }, { url: wisp.url, port: echo.port, n });
    return { webSockets: sockets.length, echoed };
  } finally {
    await browser.close();
    await Promise.all([wisp.close(), echo.close(), new Promise((r) => site.close(r))]);
  }
}
