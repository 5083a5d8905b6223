// Type-checked where the lib declares Symbol.dispose (esnext, esnext.disposable, @types/node).
import { Socket } from 'kvsocket';

const s = new Socket();
s[Symbol.dispose]();
{
  using t = new Socket({ protocol: 'udp' });
  t.listen(0);
}
