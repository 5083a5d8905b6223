// What both demo pages show about a socket, as it happens: its status, every event with its
// details, and the bytes read and written.

export const $ = (selector) => document.querySelector(selector);

const EVENT_TYPES = ['stateChanged', 'hostFound', 'connected', 'connectFailed', 'error', 'dataAvailable', 'disconnected', 'drain'];

function detailText(type, d) {
  switch (type) {
    case 'stateChanged': return `${d.name} (${d.status})`;
    case 'connectFailed': return `${d.code}: ${d.reason}`;
    case 'error': return `${d.code}: ${d.message}`;
    case 'dataAvailable': return `${d.length} bytes buffered`;
    case 'disconnected': return d.error ? `error: ${d.error}` : 'clean end';
    default: return '';
  }
}

/**
 * A panel (an element holding [data-status], [data-events], [data-in] and [data-out]) that
 * follows one socket at a time: `view.attach(socket)`, then `view.read(n)` / `view.wrote(n)` for
 * the bytes and `view.note(text)` for the page's own remarks.
 */
export function socketView(panel) {
  const status = panel.querySelector('[data-status]');
  const events = panel.querySelector('[data-events]');
  const bytesIn = panel.querySelector('[data-in]');
  const bytesOut = panel.querySelector('[data-out]');
  let counts = { in: 0, out: 0 };
  let current = null;

  const line = (kind, text) => {
    const li = document.createElement('li');
    li.className = kind;
    li.textContent = `${new Date().toISOString().slice(11, 23)}  ${text}`;
    events.append(li);
    li.scrollIntoView({ block: 'nearest' });
  };
  const showCounts = () => {
    bytesIn.textContent = String(counts.in);
    bytesOut.textContent = String(counts.out);
  };

  return {
    attach(socket) {
      current = socket;
      counts = { in: 0, out: 0 };
      showCounts();
      for (const type of EVENT_TYPES) {
        socket.addEventListener(type, (e) => {
          if (socket !== current) return;
          status.textContent = socket.status(true);
          line(type === 'error' || type === 'connectFailed' ? 'bad' : 'event', `${type} ${detailText(type, e.detail)}`);
        });
      }
      status.textContent = socket.status(true);
    },
    read(n) { counts.in += n; showCounts(); },
    wrote(n) { counts.out += n; showCounts(); },
    note(text) { line('note', text); },
  };
}
